import { Kafka, logLevel, Partitioners, type logCreator } from 'kafkajs';
import { atLeastOnceCommitter } from './committer.js';
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
  /** How long the group waits for a silent member (a crashed instance) before moving its partitions. */
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  logger?: StreamLogger;
  /** Called after every rebalance with this instance's partitions of a task. */
  onAssignment?: (task: string, partitions: readonly number[]) => void;
  /** Called when a task's consumer stopped for good (kafkajs gave up restarting it). */
  onFatalError?: (task: string, error: unknown) => void;
}

/**
 * A running instance of a stream application: one consumer group member per task, one SQLite
 * state file, one producer.
 *
 * Guarantees (at-least-once):
 * - Instances with the same `applicationId` share each task's input partitions; a rebalance
 *   follows every join, graceful leave, or crash (after `sessionTimeoutMs`).
 * - A partition's records are processed in offset order, one batch at a time, only once its
 *   state is restored up to the end of its changelog.
 * - A batch's outputs and changelog records are acknowledged by the broker (acks=all) before
 *   its input offset is committed, and the local store is updated only after that commit.
 * - A crash or a rebalance between produce and commit re-processes the batch: its outputs and
 *   state changes can be applied twice. Outputs keyed like a table (the last value per key on a
 *   compacted topic) converge unless a counter was incremented twice.
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

  const store = LocalStateStore.open(options.stateDir);
  const kafka = new Kafka({
    clientId: `${applicationId}-${instanceId}`,
    brokers: [...options.brokers],
    logLevel: logLevel.WARN,
    logCreator: kafkaLogs(logger),
  });
  const admin = kafka.admin();
  // Idempotent: a retried produce request does not duplicate records. It also readies the
  // producer for transactions (exactly-once) in a later step.
  const producer = kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    allowAutoTopicCreation: false,
    idempotent: true,
    maxInFlightRequests: 1,
  });
  const tasks: StreamTask[] = [];
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await Promise.allSettled(tasks.map((task) => task.close()));
    await Promise.allSettled([producer.disconnect(), admin.disconnect()]);
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
    await producer.connect();
    const committer = atLeastOnceCommitter(producer);
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
  logger.info({ instanceId, applicationId, tasks: names }, 'stream app started');
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
      if (level === logLevel.ERROR || level === logLevel.WARN) logger.warn(fields, message);
      else logger.debug(fields, message);
    };
}
