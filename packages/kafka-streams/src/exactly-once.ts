import { Partitioners, type Admin, type Kafka, type Producer } from 'kafkajs';
import {
  topicPartition,
  type BatchCommitter,
  type InputPartition,
  type ProcessedBatch,
} from './committer.js';
import { silentLogger, type StreamLogger } from './processor.js';
import { classifyTransactionError, errorTypeOf } from '@fairflax/kafka-errors';

/** The calls the committer makes on a kafkajs transactional producer (a fake in unit tests). */
export type TransactionalProducer = Pick<Producer, 'connect' | 'disconnect' | 'transaction'>;

/** What the committer needs from Kafka besides a batch: producers, and the groups' offsets. */
export interface TransactionPorts {
  /** A new, not yet connected, transactional producer with this id. */
  createProducer(transactionalId: string): TransactionalProducer;
  /** The group's committed offset of a partition (the next offset to read); undefined when none. */
  committedOffset(groupId: string, topic: string, partition: number): Promise<number | undefined>;
  close(): Promise<void>;
}

export interface ExactlyOnceOptions {
  /** Further attempts of a batch's transaction after transient errors (8 by default). */
  retries?: number;
  /**
   * Pause before the first further attempt (20 ms: a CONCURRENT_TRANSACTIONS answer means the
   * previous commit's markers are being written, which is quick), doubled after each one up to
   * `maxBackoffMs` (2 s).
   */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** How long the coordinator lets a transaction stay open before aborting it (60 s). */
  transactionTimeoutMs?: number;
  logger?: StreamLogger;
}

/**
 * The committer refuses a partition until it is claimed again: its producer was fenced, or a
 * commit's outcome could not be settled, so what this instance knows about the partition (its
 * position, its state) may be out of date.
 */
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

/** A committer that fences: `claim` and `close` are always there. */
export interface ExactlyOnceCommitter extends BatchCommitter {
  readonly transactional: true;
  claim(groupId: string, partitions: readonly InputPartition[]): Promise<void>;
  close(): Promise<void>;
}

/** The transactional id of a task's input partition: `<applicationId>-<task>-<topic>-<partition>`. */
export const transactionalIdOf = (groupId: string, topic: string, partition: number) =>
  `${groupId}-${topic}-${partition}`;

interface PartitionSlot {
  readonly id: string;
  producer?: TransactionalProducer;
  /**
   * Whether the producer was initialised by `claim`, after which the task re-read its position.
   * One initialised by the committer itself (lazily, or after a failure) takes the partition
   * over too, and is only trusted once the group's offset shows nobody else moved it.
   */
  claimed: boolean;
  /** Why the partition is refused until the next claim. */
  blocked?: string;
  /** One operation at a time per producer: a kafkajs producer holds one transaction. */
  queue: Promise<unknown>;
}

/**
 * Commits each batch in one Kafka transaction: its output, repartition and changelog records,
 * and its input offset (`sendOffsets`), so that read_committed consumers see all of a batch or
 * none of it, and the offset moves if and only if its records are visible.
 *
 * kafkajs has no KIP-447 fencing (its TxnOffsetCommit is v0-1), so each input partition gets
 * its own transactional producer, with id `<applicationId>-<task>-<topic>-<partition>` (the same
 * on every instance). Initialising it (InitProducerId, which kafkajs runs on the first
 * `transaction()`, not on `connect()`) bumps the id's epoch: the previous owner of the partition
 * can no longer write or commit, and its open transaction is aborted (or completed, if its
 * commit had begun).
 *
 * Transient coordinator errors abort the transaction (or, when aborting fails, discard the
 * producer, whose replacement's initialisation aborts it) and run the whole batch again, with
 * capped exponential backoff. A commit that failed has an unknown outcome: the producer is
 * re-initialised, which settles it, and the group's offset says whether it went through.
 */
export function exactlyOnceCommitter(
  kafka: Kafka,
  options: ExactlyOnceOptions = {},
): ExactlyOnceCommitter {
  return transactionalCommitter(kafkaTransactionPorts(kafka, options), options);
}

/** The committer over any ports: kafkajs' in production, fakes in unit tests. */
export function transactionalCommitter(
  ports: TransactionPorts,
  options: ExactlyOnceOptions = {},
): ExactlyOnceCommitter {
  const { retries = 8, initialBackoffMs = 20, maxBackoffMs = 2_000 } = options;
  const logger = options.logger ?? silentLogger;
  const groups = new Map<string, Map<string, PartitionSlot>>();
  let closed = false;

  const slotOf = (groupId: string, topic: string, partition: number): PartitionSlot => {
    const slots = groups.get(groupId) ?? new Map<string, PartitionSlot>();
    groups.set(groupId, slots);
    const id = transactionalIdOf(groupId, topic, partition);
    const slot = slots.get(id) ?? { id, claimed: false, queue: Promise.resolve() };
    slots.set(id, slot);
    return slot;
  };

  const serialized = <T>(slot: PartitionSlot, work: () => Promise<T>): Promise<T> => {
    const run = slot.queue.then(work, work);
    slot.queue = run.catch(() => undefined);
    return run;
  };

  const discard = async (slot: PartitionSlot) => {
    const { producer } = slot;
    slot.producer = undefined;
    await producer?.disconnect().catch(() => undefined);
  };

  /** A connected producer whose InitProducerId has run: it owns the partition from now on. */
  const open = async (slot: PartitionSlot): Promise<TransactionalProducer> => {
    const producer = ports.createProducer(slot.id);
    try {
      await producer.connect();
      // Nothing is added to this transaction, so the abort sends nothing: the point is the
      // InitProducerId that kafkajs runs before the first transaction.
      const initialised = await producer.transaction();
      await initialised.abort();
    } catch (err) {
      await producer.disconnect().catch(() => undefined);
      throw err;
    }
    slot.producer = producer;
    return producer;
  };

  const block = async (slot: PartitionSlot, reason: string, cause?: unknown) => {
    slot.blocked = reason;
    await discard(slot);
    logger.warn(
      { transactionalId: slot.id, reason, err: cause },
      'partition refused until claimed',
    );
    return new PartitionFencedError(slot.id, reason, { cause });
  };

  /** The producer for a batch; one the committer initialised itself must not be behind the group. */
  const producerFor = async (slot: PartitionSlot, { input }: ProcessedBatch) => {
    if (slot.producer) return slot.producer;
    const producer = await open(slot);
    if (!slot.claimed) {
      const committed = await ports.committedOffset(input.groupId, input.topic, input.partition);
      if (committed !== undefined && committed > input.fromOffset)
        throw await block(
          slot,
          `the group is at ${committed}, past this batch (${input.fromOffset})`,
        );
      slot.claimed = true;
    }
    return producer;
  };

  /** One try at the batch's transaction; a failure says how far it got. */
  const attempt = async (slot: PartitionSlot, batch: ProcessedBatch) => {
    const { input } = batch;
    const written = new Map<string, number>();
    let stage: 'begin' | 'send' | 'commit' = 'begin';
    let transaction: Awaited<ReturnType<TransactionalProducer['transaction']>> | undefined;
    try {
      const producer = await producerFor(slot, batch);
      transaction = await producer.transaction();
      stage = 'send';
      const topicMessages = [...batch.records, batch.changelog].filter(
        (r) => r.messages.length > 0,
      );
      if (topicMessages.length > 0) {
        const metadata = await transaction.sendBatch({
          topicMessages: [...topicMessages],
          acks: -1,
        });
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
      return { ok: true as const, written };
    } catch (error) {
      return { ok: false as const, error, stage, transaction, written };
    }
  };

  /** After a failed commit: re-initialising settles the transaction; the group's offset says how. */
  const settleCommit = async (slot: PartitionSlot, { input }: ProcessedBatch, cause: unknown) => {
    try {
      await discard(slot);
      await open(slot);
      const committed = await ports.committedOffset(input.groupId, input.topic, input.partition);
      if (committed === input.nextOffset) return 'committed';
      if (committed === undefined || committed <= input.fromOffset) return 'aborted';
      throw new Error(`the group is at ${committed}, past this batch (${input.fromOffset})`);
    } catch (err) {
      const reason =
        classifyTransactionError(err) === 'fenced'
          ? 'fenced while settling a failed commit'
          : `could not settle a failed commit (${err instanceof Error ? err.message : String(err)})`;
      throw await block(slot, reason, cause);
    }
  };

  const commitInSlot = async (slot: PartitionSlot, batch: ProcessedBatch) => {
    for (let tries = 0; ; tries++) {
      if (closed) throw new Error('the exactly-once committer is closed');
      if (slot.blocked) throw new PartitionFencedError(slot.id, slot.blocked);
      const result = await attempt(slot, batch);
      if (result.ok) return result.written;
      const { error, stage, transaction } = result;
      if (error instanceof PartitionFencedError) throw error;
      const kind = classifyTransactionError(error);
      if (kind === 'fenced') throw await block(slot, 'fenced by a newer producer', error);
      if (stage === 'commit') {
        if ((await settleCommit(slot, batch, error)) === 'committed') return result.written;
      } else if (transaction) {
        // Aborting leaves the producer usable; when it fails, a new producer's InitProducerId
        // aborts the transaction instead (and is checked against the group's offset).
        await transaction.abort().catch(async () => {
          await discard(slot);
          slot.claimed = false;
        });
      } else {
        await discard(slot);
        slot.claimed = false;
      }
      if (kind !== 'transient' || tries >= retries) throw error;
      const pause = Math.min(initialBackoffMs * 2 ** tries, maxBackoffMs);
      logger.debug(
        { transactionalId: slot.id, stage, type: errorTypeOf(error), attempt: tries + 1, pause },
        'transaction failed, retrying',
      );
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  };

  return {
    transactional: true,

    commit(batch) {
      const { groupId, topic, partition } = batch.input;
      const slot = slotOf(groupId, topic, partition);
      return serialized(slot, () => commitInSlot(slot, batch));
    },

    async claim(groupId, partitions) {
      if (closed) throw new Error('the exactly-once committer is closed');
      const wanted = new Set(
        partitions.map((p) => transactionalIdOf(groupId, p.topic, p.partition)),
      );
      const released = [...(groups.get(groupId)?.values() ?? [])].filter((s) => !wanted.has(s.id));
      const work = [
        ...released.map((slot) =>
          serialized(slot, async () => {
            slot.claimed = false;
            await discard(slot);
          }),
        ),
        ...partitions.map(({ topic, partition }) => {
          const slot = slotOf(groupId, topic, partition);
          return serialized(slot, async () => {
            // Always a fresh InitProducerId, even for a partition held before: another instance
            // may have owned it in between without this one noticing (after a long pause).
            await discard(slot);
            slot.claimed = false;
            await open(slot);
            slot.claimed = true;
            slot.blocked = undefined;
          });
        }),
      ];
      const results = await Promise.allSettled(work);
      const failed = results.find((r) => r.status === 'rejected');
      if (failed) throw failed.reason;
    },

    async close() {
      closed = true;
      const slots = [...groups.values()].flatMap((slots) => [...slots.values()]);
      await Promise.all(slots.map((slot) => serialized(slot, () => discard(slot))));
      await ports.close();
    },
  };
}

/** Producers and offset look-ups on a kafkajs client; the admin client connects on first use. */
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
        // The same murmur2 partitioner as Java clients and the at-least-once producer, so a
        // key lands on the same partition whichever guarantee wrote it.
        createPartitioner: Partitioners.DefaultPartitioner,
        allowAutoTopicCreation: false,
        // kafkajs retries CONCURRENT_TRANSACTIONS on AddPartitionsToTxn inside sendBatch; right
        // after a commit that is the usual case, and its default 300 ms first pause would cost
        // more than the transaction. Bounded, because a failed transaction is aborted and retried
        // whole by the committer anyway.
        retry: { retries: 6, initialRetryTime: 20, maxRetryTime: 1_000 },
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
