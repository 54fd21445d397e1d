import type {
  Admin,
  Batch,
  Consumer,
  EachBatchPayload,
  Kafka,
  KafkaMessage,
  Message,
} from 'kafkajs';
import { causedBy, isBrokerUnavailable, isRetriableKafkaError } from '@fairflax/kafka-kit';
import { topicPartition, type BatchCommitter, type InputPartition } from './committer.js';
import type {
  BatchEvent,
  InputRecord,
  PartitionState,
  ProcessorContext,
  StreamLogger,
  TaskDefinition,
} from './processor.js';
import type { LocalStateStore } from './state-store.js';
import { endOffsets, headersOf, readPartitions, type PartitionRange } from './topic-reader.js';

const RESTART_DELAY_MS = 500;
const MAX_RESTART_DELAY_MS = 10_000;

export interface StreamTaskDeps {
  kafka: Kafka;
  admin: Admin;
  store: LocalStateStore;
  committer: BatchCommitter;
  logger: StreamLogger;
  applicationId: string;
  instanceId: string;
  changelog: string;
  inputPartitions: number;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  onAssignment: (task: string, partitions: readonly number[]) => void;
  onBatch: (event: BatchEvent) => void;
  /** The consumer stopped on an error that restarting will not cure. */
  onFatalError: (task: string, error: unknown) => void;
}

/** One task as a member of its consumer group; how a batch is processed: README, "How it works". */
export class StreamTask {
  readonly groupId: string;
  private readonly inputs: readonly string[];
  private readonly outputs: ReadonlySet<string>;
  private readonly consumer: Consumer;
  private assigned: readonly number[] = [];
  private assignedInputs: readonly InputPartition[] = [];
  /** Read after a claim: records below were processed by the previous owner, and are skipped. */
  private claimedOffsets: ReadonlyMap<string, number> = new Map();
  /** Each rebalance chains a new restore behind the last. */
  private restoring: Promise<void> = Promise.resolve();
  /** 1 when the commit marker directly follows a batch's changelog records (a single writer). */
  private readonly markerAfterChanges: number;
  /** Aborts a running restore on close, so that closing never waits for a long changelog. */
  private readonly closing = new AbortController();

  constructor(
    readonly definition: TaskDefinition,
    private readonly deps: StreamTaskDeps,
  ) {
    this.groupId = `${deps.applicationId}-${definition.name}`;
    this.inputs = typeof definition.input === 'string' ? [definition.input] : definition.input;
    this.outputs = new Set(definition.outputs);
    this.markerAfterChanges = deps.committer.transactional && this.inputs.length === 1 ? 1 : 0;
    this.consumer = deps.kafka.consumer({
      groupId: this.groupId,
      sessionTimeout: deps.sessionTimeoutMs,
      heartbeatInterval: deps.heartbeatIntervalMs,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: 500,
      readUncommitted: false,
      // Restarts are ours (the CRASH listener): README, "Crashed consumers".
      retry: { restartOnFailure: () => Promise.resolve(false) },
    });
  }

  get partitions(): readonly number[] {
    return this.assigned;
  }

  async start(): Promise<void> {
    const { consumer } = this;
    // kafkajs does not await listeners: the restore starts here, and batches wait in `ready`.
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      const partitions = new Set<number>();
      const inputs: InputPartition[] = [];
      for (const topic of this.inputs) {
        for (const p of payload.memberAssignment[topic] ?? []) {
          partitions.add(p);
          inputs.push({ topic, partition: p });
        }
      }
      this.assigned = [...partitions].sort((a, b) => a - b);
      this.assignedInputs = inputs;
      this.deps.logger.info(
        {
          task: this.definition.name,
          instanceId: this.deps.instanceId,
          memberId: payload.memberId,
          partitions: this.assigned,
        },
        'partitions assigned',
      );
      this.deps.onAssignment(this.definition.name, this.assigned);
      this.scheduleRestore();
    });
    // Also after batches of control records only, which never reach eachBatch.
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      const { topic, partition, offsetLag } = payload;
      this.deps.onBatch({
        kind: 'lag',
        task: this.definition.name,
        topic,
        partition,
        lag: Number(offsetLag),
      });
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (this.closing.signal.aborted) return;
      // kafkajs' own rule, widened: README, "Crashed consumers".
      const restart =
        isRetriableKafkaError(payload.error) ||
        isBrokerUnavailable(payload.error) ||
        causedBy(payload.error, StateNotReadyError);
      this.deps.logger.error(
        { task: this.definition.name, err: payload.error, restart },
        'consumer crashed',
      );
      if (restart) this.scheduleRestart();
      else this.deps.onFatalError(this.definition.name, payload.error);
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [...this.inputs], fromBeginning: true });
    await this.run();
  }

  private async run(): Promise<void> {
    await this.consumer.run({
      autoCommit: false,
      // Resolved by hand after the commit: a batch abandoned half-way must be fetched again.
      eachBatchAutoResolve: false,
      // Transactional: each partition has its own producer, so a slow transaction holds up its
      // partition only. At-least-once shares one idempotent producer: one batch at a time.
      partitionsConsumedConcurrently: this.deps.committer.transactional
        ? this.deps.inputPartitions
        : 1,
      eachBatch: (payload) => this.processBatch(payload),
    });
  }

  /** kafkajs keeps a crashed consumer's subscription: connect + run rejoins the group. */
  private scheduleRestart(attempt = 1): void {
    const delayMs = Math.min(RESTART_DELAY_MS * 2 ** (attempt - 1), MAX_RESTART_DELAY_MS);
    const timer = setTimeout(() => void this.restartConsumer(attempt), delayMs);
    this.closing.signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
  }

  /** `close()` does not wait for this: a restart that gets through after it disconnects again. */
  private async restartConsumer(attempt: number): Promise<void> {
    const { signal } = this.closing;
    if (signal.aborted) return;
    try {
      await this.consumer.connect();
      if (!signal.aborted) await this.run();
    } catch (err) {
      if (signal.aborted) return;
      this.deps.logger.warn(
        { task: this.definition.name, err, attempt },
        'consumer restart failed, trying again',
      );
      this.scheduleRestart(attempt + 1);
      return;
    }
    if (signal.aborted) await this.consumer.disconnect().catch(() => undefined);
    else this.deps.logger.info({ task: this.definition.name, attempt }, 'consumer restarted');
  }

  /** Lets an in-flight batch finish, then leaves the group: its partitions move at once. */
  async close(): Promise<void> {
    this.closing.abort(new Error(`task ${this.definition.name} is closing`));
    await this.consumer.disconnect();
    // The store closes after this; no restore may still be writing to it.
    await this.restoring.catch(() => undefined);
  }

  private scheduleRestore(): void {
    if (this.closing.signal.aborted) return;
    const partitions = this.assigned;
    const inputs = this.assignedInputs;
    const restoring = this.restoring
      .catch(() => undefined)
      .then(() => this.claim(inputs))
      .then(() => this.restore(partitions));
    restoring.catch((err: unknown) => {
      if (!this.closing.signal.aborted)
        this.deps.logger.warn(
          { task: this.definition.name, err },
          'restore failed, retrying on the next batch',
        );
    });
    this.restoring = restoring;
  }

  /** Waits for the restore of the current assignment, heartbeating so the group keeps us. */
  private async ready(heartbeat: () => Promise<void>): Promise<void> {
    for (;;) {
      const current = this.restoring;
      let settled = false;
      const done = current.then(
        () => (settled = true),
        () => (settled = true),
      );
      while (!settled) {
        let timer: NodeJS.Timeout | undefined;
        const tick = new Promise(
          (resolve) => (timer = setTimeout(resolve, this.deps.heartbeatIntervalMs)),
        );
        await Promise.race([done, tick]);
        clearTimeout(timer);
        if (!settled) await heartbeat();
      }
      try {
        await current;
      } catch (err) {
        // Try again on the next batch rather than failing every batch from now on.
        if (current === this.restoring) this.scheduleRestore();
        throw new StateNotReadyError(this.definition.name, err);
      }
      if (current === this.restoring) return;
    }
  }

  /** Runs before anything is read: then the changelog's end and the group's offsets are final. */
  private async claim(inputs: readonly InputPartition[]): Promise<void> {
    const { committer, admin } = this.deps;
    if (!committer.claim || this.closing.signal.aborted) return;
    await committer.claim(this.groupId, inputs);
    const claimed = new Map<string, number>();
    if (inputs.length > 0) {
      const offsets = await admin.fetchOffsets({ groupId: this.groupId, topics: [...this.inputs] });
      for (const { topic, partitions } of offsets)
        for (const { partition, offset } of partitions)
          if (Number(offset) >= 0) claimed.set(topicPartition(topic, partition), Number(offset));
    }
    this.claimedOffsets = claimed;
  }

  private async restore(partitions: readonly number[]): Promise<void> {
    const { store, logger, admin, kafka, changelog } = this.deps;
    const name = this.definition.name;
    if (partitions.length === 0 || this.closing.signal.aborted) return;
    const started = Date.now();
    const ends = await endOffsets(admin, changelog);
    const ranges: PartitionRange[] = [];
    for (const partition of partitions) {
      const end = ends.get(partition);
      if (!end) throw new Error(`changelog ${changelog} has no partition ${partition}`);
      let from = store.checkpoint(name, partition);
      if (from === undefined || from < end.low || from > end.high) {
        if (from !== undefined)
          logger.warn(
            { task: name, partition, checkpoint: from, changelog: end },
            'checkpoint does not fit the changelog, rebuilding',
          );
        store.clear(name, partition);
        from = end.low;
      }
      if (from < end.high) ranges.push({ partition, from, to: end.high });
    }
    if (ranges.length === 0) {
      logger.debug({ task: name, partitions }, 'state up to date');
      return;
    }
    logger.info({ task: name, ranges }, 'restoring state from changelog');
    let records = 0;
    const restoreGroup = `${this.groupId}-restore-${this.deps.instanceId}`;
    await readPartitions(
      kafka,
      changelog,
      ranges,
      (partition, messages) => {
        const last = messages.at(-1);
        if (!last) return;
        store.apply(name, partition, messages.map(stateChangeOf), Number(last.offset) + 1);
        records += messages.length;
      },
      { groupPrefix: restoreGroup, signal: this.closing.signal },
    );
    // The log may end with records the reader never hands over (transaction markers).
    for (const range of ranges) store.apply(name, range.partition, [], range.to);
    logger.info(
      { task: name, partitions: ranges.map((r) => r.partition), records, ms: Date.now() - started },
      'state restored',
    );
  }

  private async processBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    if (!payload.isRunning()) return;
    await this.ready(() => payload.heartbeat());
    const { store, committer, changelog } = this.deps;
    const name = this.definition.name;
    const { partition } = batch;
    const from = this.claimedOffsets.get(topicPartition(batch.topic, partition)) ?? 0;
    const messages = batch.messages.filter((message) => Number(message.offset) >= from);
    const first = messages[0];
    if (!first) {
      payload.resolveOffset(batch.lastOffset());
      return;
    }
    const overlay = new Map<string, string | null>();
    const state: PartitionState = {
      get: (key) =>
        overlay.has(key) ? (overlay.get(key) ?? undefined) : store.get(name, partition, key),
      put: (key, value) => void overlay.set(key, value),
      delete: (key) => void overlay.set(key, null),
    };
    const outputs = new Map<string, Message[]>();
    const context: ProcessorContext = {
      partition,
      state,
      send: (topic, record) => {
        if (!this.outputs.has(topic))
          throw new Error(`task ${name} sent to "${topic}", which is not one of its outputs`);
        const messages = outputs.get(topic) ?? [];
        messages.push({ key: record.key, value: record.value, headers: record.headers });
        outputs.set(topic, messages);
      },
    };
    for (const message of messages) this.definition.process(inputRecordOf(batch, message), context);

    const changes = [...overlay];
    const nextOffset = Number(batch.lastOffset()) + 1;
    const committing = committer.commit({
      records: [...outputs].map(([topic, messages]) => ({ topic, messages })),
      changelog: {
        topic: changelog,
        messages: changes.map(([key, value]) => ({ key, value, partition })),
      },
      input: {
        groupId: this.groupId,
        topic: batch.topic,
        partition,
        fromOffset: Number(first.offset),
        nextOffset,
      },
      commitInput: () =>
        payload.commitOffsetsIfNecessary({
          topics: [{ topic: batch.topic, partitions: [{ partition, offset: String(nextOffset) }] }],
        }),
    });
    const outcome = { task: name, topic: batch.topic, partition, records: messages.length };
    void committing.then(
      () => this.deps.onBatch({ kind: 'committed', ...outcome }),
      () => this.deps.onBatch({ kind: 'aborted', ...outcome }),
    );
    const written = await committing;
    if (changes.length > 0) {
      const base = written.get(topicPartition(changelog, partition));
      if (base === undefined)
        throw new Error(`no offset acknowledged for ${changelog}/${partition}`);
      store.apply(name, partition, changes, base + changes.length + this.markerAfterChanges);
    }
    payload.resolveOffset(batch.lastOffset());
  }
}

/** A batch arrived while its partitions' claim or restore had failed; it is fetched again. */
export class StateNotReadyError extends Error {
  constructor(task: string, cause: unknown) {
    super(
      `task ${task}: state not ready (${cause instanceof Error ? cause.message : String(cause)})`,
      {
        cause,
      },
    );
    this.name = 'StateNotReadyError';
  }
}

function inputRecordOf(batch: Batch, message: KafkaMessage): InputRecord {
  return {
    topic: batch.topic,
    partition: batch.partition,
    offset: Number(message.offset),
    key: message.key?.toString('utf8') ?? null,
    value: message.value,
    headers: headersOf(message),
    timestamp: message.timestamp,
  };
}

function stateChangeOf(message: KafkaMessage): readonly [string, string | null] {
  if (!message.key) throw new Error(`changelog record at offset ${message.offset} has no key`);
  return [message.key.toString('utf8'), message.value?.toString('utf8') ?? null];
}
