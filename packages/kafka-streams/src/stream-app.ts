import { Kafka, logLevel, Partitioners, type logCreator, type Producer } from 'kafkajs';
import { atLeastOnceCommitter, type BatchCommitter } from './committer.js';
import { loadExactlyOnce, processingGuaranteeOf, type ProcessingGuarantee } from './guarantee.js';
import { silentLogger, type StreamLogger, type TaskDefinition } from './processor.js';
import { LocalStateStore } from './state-store.js';
import { StreamTask } from './stream-task.js';
import { changelogTopic, ensureTopics, partitionCount, type TopicSpec } from './topics.js';

export interface StreamAppOptions {
  /** Shared by every instance of the application: names consumer groups and internal topics. */
  applicationId: string;
  /** This instance, unique among the running ones: client id, log field, restore group suffix. */
  instanceId: string;
  brokers: readonly string[];
  /** This instance's own directory for its SQLite state file; never shared between instances. */
  stateDir: string;
  tasks: readonly TaskDefinition[];
  /**
   * Topics the tasks write to (outputs, repartition topics): created on start when missing,
   * checked when present. Changelog topics are not listed: they are created for every task with
   * its input's partition count.
   */
  topics?: ReadonlyArray<Omit<TopicSpec, 'partitions'> & { partitions?: number }>;
  /** Partitions of the listed topics that give none; 3 by default. */
  partitions?: number;
  /**
   * 'exactly-once' by default when this build has it (`exactlyOnceAvailable()`), else
   * 'at-least-once'; asking for 'exactly-once' in a build without it fails the start.
   */
  processingGuarantee?: ProcessingGuarantee;
  /** How long the group waits for a silent member (a crashed instance) before moving its partitions. */
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  logger?: StreamLogger;
  /** Called after every rebalance with this instance's partitions of a task. */
  onAssignment?: (task: string, partitions: readonly number[]) => void;
  /**
   * Called when a task's consumer stopped for good: it crashed on an error that is neither
   * retriable nor an unreachable broker (after which the task restarts its consumer itself).
   */
  onFatalError?: (task: string, error: unknown) => void;
}

/**
 * A running instance of a stream application: one consumer group member per task, one SQLite
 * state file; one transactional producer per input partition held (exactly-once), or one shared
 * producer (at-least-once).
 *
 * Guarantees, with either processing guarantee:
 * - Instances with the same `applicationId` share each task's input partitions; a rebalance
 *   follows every join, graceful leave, or crash (after `sessionTimeoutMs`).
 * - A partition's records are processed in offset order, one batch at a time, only once its
 *   state is restored up to the end of its changelog.
 * - The local store is updated only after the batch's commit succeeded, so it is never ahead of
 *   the changelog; consumers (tasks and restores) read committed records only.
 *
 * Exactly-once (the default, from tutorial step 4 on):
 * - A batch's outputs, changelog records and input offset are committed in one Kafka
 *   transaction: a read_committed reader sees all of them or none, and the offset moves only
 *   with them. A crash or a rebalance at any point re-processes the batch from state that does
 *   not contain it, so every input record affects the state and the outputs once.
 * - After every rebalance, each instance first claims its partitions (a new producer epoch per
 *   partition), which fences the previous owner, even one that has not noticed it lost them,
 *   and aborts its open transaction; only then does it restore state and read the group's offset.
 * - Readers using read_uncommitted, and side effects inside processors (there should be none),
 *   are outside the guarantee; so are tasks with several input topics run on more than one
 *   instance (one producer per topic-partition, see the README).
 *
 * At-least-once:
 * - A batch's outputs are acknowledged by the broker (acks=all) before its changelog records
 *   are written, and those before its input offset is committed: the state never records a
 *   batch whose outputs may be missing, so re-processing it from restored state loses nothing.
 * - A crash or a rebalance between produce and commit re-processes the batch: its outputs and
 *   state changes can be applied twice. Outputs keyed like a table (the last value per key on a
 *   compacted topic) converge unless a counter was incremented twice. Nothing fences a member
 *   that lost its partitions without noticing.
 */
export interface StreamApp {
  readonly instanceId: string;
  /** This instance's input partitions per task, as of the last rebalance. */
  assignment(): Record<string, readonly number[]>;
  /** Leaves the groups (partitions move to the other instances at once), then closes the store. */
  close(): Promise<void>;
}

/** Creates the topics, opens the local state and joins each task's consumer group. */
export async function startStreamApp(options: StreamAppOptions): Promise<StreamApp> {
  const logger = options.logger ?? silentLogger;
  const { applicationId, instanceId } = options;
  const names = options.tasks.map((task) => task.name);
  if (new Set(names).size !== names.length)
    throw new Error(`task names must be unique: ${names.join(', ')}`);
  const guarantee = processingGuaranteeOf(options.processingGuarantee);
  // Loaded before anything is opened: a build without it fails here, leaving nothing to close.
  const exactlyOnce = guarantee === 'exactly-once' ? await loadExactlyOnce() : undefined;

  const store = LocalStateStore.open(options.stateDir);
  const kafka = new Kafka({
    clientId: `${applicationId}-${instanceId}`,
    brokers: [...options.brokers],
    logLevel: logLevel.WARN,
    logCreator: kafkaLogs(logger),
  });
  const admin = kafka.admin();
  let producer: Producer | undefined;
  let committer: BatchCommitter;
  if (exactlyOnce) {
    committer = exactlyOnce.exactlyOnceCommitter(kafka, { logger });
  } else {
    // At-least-once shares one producer; idempotent, so that a retried produce request does
    // not duplicate records.
    producer = kafka.producer({
      createPartitioner: Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: false,
      idempotent: true,
      maxInFlightRequests: 1,
    });
    committer = atLeastOnceCommitter(producer);
  }
  const tasks: StreamTask[] = [];
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await Promise.allSettled(tasks.map((task) => task.close()));
    await Promise.allSettled([committer.close?.(), producer?.disconnect(), admin.disconnect()]);
    store.close();
    logger.info({ instanceId }, 'stream app stopped');
  };

  try {
    await admin.connect();
    const declared = (options.topics ?? []).map((t) => ({
      ...t,
      partitions: t.partitions ?? options.partitions ?? 3,
    }));
    // Everything that must already exist is checked before anything is created.
    const partitionsOf = async (topic: string) =>
      declared.find((t) => t.name === topic)?.partitions ?? (await partitionCount(admin, topic));
    const changelogs: TopicSpec[] = [];
    for (const task of options.tasks) {
      const inputs = typeof task.input === 'string' ? [task.input] : task.input;
      const counts = await Promise.all(inputs.map(partitionsOf));
      if (new Set(counts).size !== 1) {
        throw new Error(
          `task ${task.name}: inputs ${inputs.join(', ')} are not co-partitioned (${counts.join(', ')} partitions)`,
        );
      }
      changelogs.push({
        name: changelogTopic(applicationId, task.name),
        cleanupPolicy: 'compact',
        partitions: counts[0] ?? 0,
      });
      for (const output of task.outputs) await partitionsOf(output);
    }
    await ensureTopics(admin, [...declared, ...changelogs]);
    await producer?.connect();
    for (const [i, definition] of options.tasks.entries()) {
      tasks.push(
        new StreamTask(definition, {
          kafka,
          admin,
          store,
          committer,
          logger,
          applicationId,
          instanceId,
          changelog: changelogs[i]?.name ?? '',
          inputPartitions: changelogs[i]?.partitions ?? 1,
          sessionTimeoutMs: options.sessionTimeoutMs ?? 30_000,
          heartbeatIntervalMs: options.heartbeatIntervalMs ?? 3_000,
          onAssignment: options.onAssignment ?? (() => {}),
          onFatalError: options.onFatalError ?? (() => {}),
        }),
      );
    }
    await Promise.all(tasks.map((task) => task.start()));
  } catch (err) {
    await close();
    throw err;
  }
  logger.info(
    { instanceId, applicationId, tasks: names, processingGuarantee: guarantee },
    'stream app started',
  );
  return {
    instanceId,
    assignment: () =>
      Object.fromEntries(tasks.map((task) => [task.definition.name, task.partitions])),
    close,
  };
}

/** Routes kafkajs' own log lines to our logger; its errors are mostly retried, so they log as warnings. */
function kafkaLogs(logger: StreamLogger): logCreator {
  return () =>
    ({ namespace, level, log }) => {
      const { message, ...details } = log;
      const fields = { kafkajs: namespace, ...details };
      if (isExpectedTransactionNoise(message, details)) logger.debug(fields, message);
      else if (level === logLevel.ERROR || level === logLevel.WARN) logger.warn(fields, message);
      else logger.debug(fields, message);
    };
}

/**
 * kafkajs logs, as errors, every CONCURRENT_TRANSACTIONS answer it then retries: right after a
 * commit the coordinator is still writing the markers, so that is most transactions (#1315).
 * And it warns about bounded retries on every transactional producer, which the exactly-once
 * committer sets on purpose (it aborts and retries failed transactions itself).
 */
function isExpectedTransactionNoise(message: string, details: Record<string, unknown>): boolean {
  const text = `${message} ${typeof details['error'] === 'string' ? details['error'] : ''}`;
  return /another concurrent operation on the same transaction|Limiting retries for the idempotent producer/.test(
    text,
  );
}
