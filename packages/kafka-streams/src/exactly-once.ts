import { Partitioners, type Admin, type Kafka, type Producer, type Transaction } from 'kafkajs';
import {
  topicPartition,
  type BatchCommitter,
  type InputPartition,
  type ProcessedBatch,
  type WrittenOffsets,
} from './committer.js';
import { silentLogger, type StreamLogger } from './processor.js';
import {
  classifyTransactionError,
  errorTypeOf,
  TRANSACTIONAL_PRODUCER_RETRY,
} from '@fairflax/kafka-kit';

export type TransactionalProducer = Pick<Producer, 'connect' | 'disconnect' | 'transaction'>;

export interface TransactionPorts {
  createProducer(transactionalId: string): TransactionalProducer;
  /** The next offset to read; undefined when none is committed. */
  committedOffset(groupId: string, topic: string, partition: number): Promise<number | undefined>;
  close(): Promise<void>;
}

export interface ExactlyOnceOptions {
  /** Further attempts after transient errors (8). */
  retries?: number;
  /** 20 ms, doubled up to `maxBackoffMs` (2 s): CONCURRENT_TRANSACTIONS clears quickly. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** How long the coordinator lets a transaction stay open before aborting it (60 s). */
  transactionTimeoutMs?: number;
  logger?: StreamLogger;
}

/** Refused until claimed again: what this instance knows about the partition may be stale. */
export class PartitionFencedError extends Error {
  constructor(
    readonly transactionalId: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${transactionalId}: ${reason}`, options);
    this.name = 'PartitionFencedError';
  }
}

export interface ExactlyOnceCommitter extends BatchCommitter {
  readonly transactional: true;
  claim(groupId: string, partitions: readonly InputPartition[]): Promise<void>;
  close(): Promise<void>;
}

export const transactionalIdOf = (groupId: string, topic: string, partition: number) =>
  `${groupId}-${topic}-${partition}`;

/** One transaction per batch, by its input partition's own producer: README, "Exactly-once". */
export function exactlyOnceCommitter(
  kafka: Kafka,
  options: ExactlyOnceOptions = {},
): ExactlyOnceCommitter {
  return new TransactionalCommitter(kafkaTransactionPorts(kafka, options), options);
}

export function transactionalCommitter(
  ports: TransactionPorts,
  options: ExactlyOnceOptions = {},
): ExactlyOnceCommitter {
  return new TransactionalCommitter(ports, options);
}

/** One operation at a time: a kafkajs producer holds one transaction. */
class PartitionSlot {
  producer?: TransactionalProducer;
  /** False for a producer opened outside `claim`: trusted once the group's offset shows no move. */
  claimed = false;
  blocked?: string;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly id: string) {}

  serialized<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

type Stage = 'begin' | 'send' | 'commit';

type Attempt =
  | { ok: true; written: Map<string, number> }
  | {
      ok: false;
      error: unknown;
      stage: Stage;
      transaction: Transaction | undefined;
      written: Map<string, number>;
    };

class TransactionalCommitter implements ExactlyOnceCommitter {
  readonly transactional = true;
  private readonly retries: number;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly logger: StreamLogger;
  private readonly groups = new Map<string, Map<string, PartitionSlot>>();
  private closed = false;

  constructor(
    private readonly ports: TransactionPorts,
    options: ExactlyOnceOptions = {},
  ) {
    const { retries = 8, initialBackoffMs = 20, maxBackoffMs = 2_000 } = options;
    this.retries = retries;
    this.initialBackoffMs = initialBackoffMs;
    this.maxBackoffMs = maxBackoffMs;
    this.logger = options.logger ?? silentLogger;
  }

  commit(batch: ProcessedBatch): Promise<WrittenOffsets> {
    const { groupId, topic, partition } = batch.input;
    const slot = this.slotOf(groupId, topic, partition);
    return slot.serialized(() => this.commitInSlot(slot, batch));
  }

  async claim(groupId: string, partitions: readonly InputPartition[]): Promise<void> {
    if (this.closed) throw new Error('the exactly-once committer is closed');
    const wanted = new Set(partitions.map((p) => transactionalIdOf(groupId, p.topic, p.partition)));
    const released = [...(this.groups.get(groupId)?.values() ?? [])].filter(
      (slot) => !wanted.has(slot.id),
    );
    const work = [
      ...released.map((slot) => slot.serialized(() => this.release(slot))),
      ...partitions.map(({ topic, partition }) => {
        const slot = this.slotOf(groupId, topic, partition);
        return slot.serialized(() => this.takeOver(slot));
      }),
    ];
    const failed = (await Promise.allSettled(work)).find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  async close(): Promise<void> {
    this.closed = true;
    const slots = [...this.groups.values()].flatMap((slots) => [...slots.values()]);
    await Promise.all(slots.map((slot) => slot.serialized(() => this.discard(slot))));
    await this.ports.close();
  }

  private async commitInSlot(slot: PartitionSlot, batch: ProcessedBatch): Promise<WrittenOffsets> {
    for (let tries = 0; ; tries++) {
      if (this.closed) throw new Error('the exactly-once committer is closed');
      if (slot.blocked) throw new PartitionFencedError(slot.id, slot.blocked);
      const result = await this.attempt(slot, batch);
      if (result.ok) return result.written;
      const { error, stage, transaction } = result;
      if (error instanceof PartitionFencedError) throw error;
      const kind = classifyTransactionError(error);
      if (kind === 'fenced') throw await this.block(slot, 'fenced by a newer producer', error);
      if (stage === 'commit') {
        if ((await this.settleCommit(slot, batch, error)) === 'committed') return result.written;
      } else if (transaction) {
        // If that fails, the next producer's InitProducerId aborts it (checked against the group).
        await transaction.abort().catch(() => this.release(slot));
      } else {
        await this.release(slot);
      }
      if (kind !== 'transient' || tries >= this.retries) throw error;
      const pause = Math.min(this.initialBackoffMs * 2 ** tries, this.maxBackoffMs);
      this.logger.debug(
        { transactionalId: slot.id, stage, type: errorTypeOf(error), attempt: tries + 1, pause },
        'transaction failed, retrying',
      );
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }

  private async attempt(slot: PartitionSlot, batch: ProcessedBatch): Promise<Attempt> {
    const { input } = batch;
    const written = new Map<string, number>();
    let stage: Stage = 'begin';
    let transaction: Transaction | undefined;
    try {
      const producer = await this.producerFor(slot, batch);
      transaction = await producer.transaction();
      stage = 'send';
      const topicMessages = [...batch.records, batch.changelog].filter(
        (r) => r.messages.length > 0,
      );
      if (topicMessages.length > 0) {
        const metadata = await transaction.sendBatch({ topicMessages, acks: -1 });
        for (const m of metadata) {
          if (m.baseOffset !== undefined)
            written.set(topicPartition(m.topicName, m.partition), Number(m.baseOffset));
        }
      }
      await transaction.sendOffsets({
        consumerGroupId: input.groupId,
        topics: [
          {
            topic: input.topic,
            partitions: [{ partition: input.partition, offset: String(input.nextOffset) }],
          },
        ],
      });
      stage = 'commit';
      await transaction.commit();
      return { ok: true, written };
    } catch (error) {
      return { ok: false, error, stage, transaction, written };
    }
  }

  /** A producer the committer initialised itself must not be behind the group. */
  private async producerFor(
    slot: PartitionSlot,
    { input }: ProcessedBatch,
  ): Promise<TransactionalProducer> {
    if (slot.producer) return slot.producer;
    const producer = await this.open(slot);
    if (!slot.claimed) {
      const { groupId, topic, partition, fromOffset } = input;
      const committed = await this.ports.committedOffset(groupId, topic, partition);
      if (committed !== undefined && committed > fromOffset)
        throw await this.block(
          slot,
          `the group is at ${committed}, past this batch (${fromOffset})`,
        );
      slot.claimed = true;
    }
    return producer;
  }

  /** Re-initialising settles a failed commit; the group's offset says which way it went. */
  private async settleCommit(
    slot: PartitionSlot,
    { input }: ProcessedBatch,
    cause: unknown,
  ): Promise<'committed' | 'aborted'> {
    try {
      await this.discard(slot);
      await this.open(slot);
      const { groupId, topic, partition, fromOffset, nextOffset } = input;
      const committed = await this.ports.committedOffset(groupId, topic, partition);
      if (committed === nextOffset) return 'committed';
      if (committed === undefined || committed <= fromOffset) return 'aborted';
      throw new Error(`the group is at ${committed}, past this batch (${fromOffset})`);
    } catch (err) {
      const reason =
        classifyTransactionError(err) === 'fenced'
          ? 'fenced while settling a failed commit'
          : `could not settle a failed commit (${err instanceof Error ? err.message : String(err)})`;
      throw await this.block(slot, reason, cause);
    }
  }

  private async block(
    slot: PartitionSlot,
    reason: string,
    cause?: unknown,
  ): Promise<PartitionFencedError> {
    slot.blocked = reason;
    await this.discard(slot);
    this.logger.warn(
      { transactionalId: slot.id, reason, err: cause },
      'partition refused until claimed',
    );
    return new PartitionFencedError(slot.id, reason, { cause });
  }

  /** Always a fresh InitProducerId: another instance may have owned it in between, unnoticed. */
  private async takeOver(slot: PartitionSlot): Promise<void> {
    await this.release(slot);
    await this.open(slot);
    slot.claimed = true;
    slot.blocked = undefined;
  }

  /** Drops the producer and the claim: the next producer must check the group's offset first. */
  private async release(slot: PartitionSlot): Promise<void> {
    await this.discard(slot);
    slot.claimed = false;
  }

  /** A connected producer whose InitProducerId has run: it owns the partition from now on. */
  private async open(slot: PartitionSlot): Promise<TransactionalProducer> {
    const producer = this.ports.createProducer(slot.id);
    try {
      await producer.connect();
      // Empty: the point is the InitProducerId kafkajs runs before the first transaction.
      const initialised = await producer.transaction();
      await initialised.abort();
    } catch (err) {
      await producer.disconnect().catch(() => undefined);
      throw err;
    }
    slot.producer = producer;
    return producer;
  }

  private async discard(slot: PartitionSlot): Promise<void> {
    const { producer } = slot;
    slot.producer = undefined;
    await producer?.disconnect().catch(() => undefined);
  }

  private slotOf(groupId: string, topic: string, partition: number): PartitionSlot {
    const slots = this.groups.get(groupId) ?? new Map<string, PartitionSlot>();
    this.groups.set(groupId, slots);
    const id = transactionalIdOf(groupId, topic, partition);
    const slot = slots.get(id) ?? new PartitionSlot(id);
    slots.set(id, slot);
    return slot;
  }
}

export function kafkaTransactionPorts(
  kafka: Kafka,
  options: Pick<ExactlyOnceOptions, 'transactionTimeoutMs'> = {},
): TransactionPorts {
  let admin: Promise<Admin> | undefined;
  const connectedAdmin = () => {
    admin ??= (async () => {
      const client = kafka.admin();
      await client.connect();
      return client;
    })().catch((err: unknown) => {
      admin = undefined;
      throw err;
    });
    return admin;
  };
  return {
    createProducer: (transactionalId) =>
      kafka.producer({
        transactionalId,
        idempotent: true,
        maxInFlightRequests: 1,
        transactionTimeout: options.transactionTimeoutMs ?? 60_000,
        // As the at-least-once producer: a key's partition does not depend on the guarantee.
        createPartitioner: Partitioners.DefaultPartitioner,
        allowAutoTopicCreation: false,
        retry: TRANSACTIONAL_PRODUCER_RETRY,
      }),
    async committedOffset(groupId, topic, partition) {
      const client = await connectedAdmin();
      const [offsets] = await client.fetchOffsets({ groupId, topics: [topic] });
      const offset = Number(offsets?.partitions.find((p) => p.partition === partition)?.offset);
      return Number.isInteger(offset) && offset >= 0 ? offset : undefined;
    },
    async close() {
      const client = await admin?.catch(() => undefined);
      await client?.disconnect();
    },
  };
}
