import { Kafka, logLevel, Partitioners, type Admin, type logCreator, type Producer } from 'kafkajs';
import { atLeastOnceCommitter, type BatchCommitter } from './committer.js';
import {
  exactlyOnceFactory,
  processingGuaranteeOf,
  type ExactlyOnceFactory,
  type ProcessingGuarantee,
} from './guarantee.js';
import {
  silentLogger,
  type BatchEvent,
  type StreamLogger,
  type TaskDefinition,
} from './processor.js';
import { LocalStateStore } from './state-store.js';
import { StreamTask } from './stream-task.js';
import { changelogTopic, ensureTopics, partitionCount, type TopicSpec } from './topics.js';

export interface StreamAppOptions {
  applicationId: string;
  /** This instance, unique among the running ones: client id, log field, restore group suffix. */
  instanceId: string;
  brokers: readonly string[];
  /** Never shared between instances. */
  stateDir: string;
  tasks: readonly TaskDefinition[];
  /** Outputs and repartition topics (not changelogs): created if missing, else checked. */
  topics?: ReadonlyArray<Omit<TopicSpec, 'partitions'> & { partitions?: number }>;
  /** For listed topics that give none; 3 by default. */
  partitions?: number;
  /** 'exactly-once' when this build has it (`exactlyOnceAvailable()`), else 'at-least-once'. */
  processingGuarantee?: ProcessingGuarantee;
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  logger?: StreamLogger;
  onAssignment?: (task: string, partitions: readonly number[]) => void;
  /** Called synchronously after each batch; must not throw. */
  onBatch?: (event: BatchEvent) => void;
  /** A task's consumer stopped for good; errors the task restarts it on are not reported. */
  onFatalError?: (task: string, error: unknown) => void;
}

/** Guarantees and limits: README. */
export interface StreamApp {
  readonly instanceId: string;
  /** This instance's input partitions per task, as of the last rebalance. */
  assignment(): Record<string, readonly number[]>;
  /** Leaves the groups (their partitions move at once), then closes the store. */
  close(): Promise<void>;
}

export async function startStreamApp(options: StreamAppOptions): Promise<StreamApp> {
  const logger = options.logger ?? silentLogger;
  const { applicationId, instanceId } = options;
  const names = options.tasks.map((task) => task.name);
  if (new Set(names).size !== names.length)
    throw new Error(`task names must be unique: ${names.join(', ')}`);
  const guarantee = processingGuaranteeOf(options.processingGuarantee);
  const exactlyOnce = guarantee === 'exactly-once' ? exactlyOnceFactory() : undefined;
  const app = new RunningStreamApp(options, exactlyOnce);
  try {
    await app.start();
  } catch (err) {
    await app.close();
    throw err;
  }
  logger.info(
    { instanceId, applicationId, tasks: names, processingGuarantee: guarantee },
    'stream app started',
  );
  return app;
}

/** `close` releases the store and clients however far `start` got. */
class RunningStreamApp implements StreamApp {
  readonly instanceId: string;
  private readonly logger: StreamLogger;
  private readonly store: LocalStateStore;
  private readonly kafka: Kafka;
  private readonly admin: Admin;
  private readonly committer: BatchCommitter;
  /** At-least-once only: shared by every task. */
  private readonly producer?: Producer;
  private readonly tasks: StreamTask[] = [];
  private closed = false;

  constructor(
    private readonly options: StreamAppOptions,
    exactlyOnce: ExactlyOnceFactory | undefined,
  ) {
    this.instanceId = options.instanceId;
    this.logger = options.logger ?? silentLogger;
    this.store = LocalStateStore.open(options.stateDir);
    this.kafka = new Kafka({
      clientId: `${options.applicationId}-${options.instanceId}`,
      brokers: [...options.brokers],
      logLevel: logLevel.WARN,
      logCreator: kafkaLogs(this.logger),
    });
    this.admin = this.kafka.admin();
    if (exactlyOnce) {
      this.committer = exactlyOnce(this.kafka, { logger: this.logger });
    } else {
      // Idempotent, so that a retried produce request does not duplicate records.
      this.producer = this.kafka.producer({
        createPartitioner: Partitioners.DefaultPartitioner,
        allowAutoTopicCreation: false,
        idempotent: true,
        maxInFlightRequests: 1,
      });
      this.committer = atLeastOnceCommitter(this.producer);
    }
  }

  async start(): Promise<void> {
    await this.admin.connect();
    const changelogs = await this.createTopics();
    await this.producer?.connect();
    for (const [i, definition] of this.options.tasks.entries())
      this.tasks.push(this.taskFor(definition, changelogs[i]));
    await Promise.all(this.tasks.map((task) => task.start()));
  }

  assignment(): Record<string, readonly number[]> {
    return Object.fromEntries(this.tasks.map((task) => [task.definition.name, task.partitions]));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled(this.tasks.map((task) => task.close()));
    await Promise.allSettled([
      this.committer.close?.(),
      this.producer?.disconnect(),
      this.admin.disconnect(),
    ]);
    this.store.close();
    this.logger.info({ instanceId: this.instanceId }, 'stream app stopped');
  }

  /** Changelogs in task order; what must already exist is checked before anything is created. */
  private async createTopics(): Promise<TopicSpec[]> {
    const { options, admin } = this;
    const declared = (options.topics ?? []).map((t) => ({
      ...t,
      partitions: t.partitions ?? options.partitions ?? 3,
    }));
    const partitionsOf = async (topic: string) =>
      declared.find((t) => t.name === topic)?.partitions ?? (await partitionCount(admin, topic));
    const changelogs: TopicSpec[] = [];
    for (const task of options.tasks) {
      changelogs.push(await changelogOf(options.applicationId, task, partitionsOf));
      for (const output of task.outputs) await partitionsOf(output);
    }
    await ensureTopics(admin, [...declared, ...changelogs]);
    return changelogs;
  }

  private taskFor(definition: TaskDefinition, changelog: TopicSpec | undefined): StreamTask {
    const { options } = this;
    return new StreamTask(definition, {
      kafka: this.kafka,
      admin: this.admin,
      store: this.store,
      committer: this.committer,
      logger: this.logger,
      applicationId: options.applicationId,
      instanceId: options.instanceId,
      changelog: changelog?.name ?? '',
      inputPartitions: changelog?.partitions ?? 1,
      sessionTimeoutMs: options.sessionTimeoutMs ?? 30_000,
      heartbeatIntervalMs: options.heartbeatIntervalMs ?? 3_000,
      onAssignment: options.onAssignment ?? (() => {}),
      onBatch: options.onBatch ?? (() => {}),
      onFatalError: options.onFatalError ?? (() => {}),
    });
  }
}

/** One changelog partition per input partition, so a task's inputs must be co-partitioned. */
async function changelogOf(
  applicationId: string,
  task: TaskDefinition,
  partitionsOf: (topic: string) => Promise<number>,
): Promise<TopicSpec> {
  const inputs = typeof task.input === 'string' ? [task.input] : task.input;
  const counts = await Promise.all(inputs.map(partitionsOf));
  if (new Set(counts).size !== 1) {
    throw new Error(
      `task ${task.name}: inputs ${inputs.join(', ')} are not co-partitioned (${counts.join(', ')} partitions)`,
    );
  }
  return {
    name: changelogTopic(applicationId, task.name),
    cleanupPolicy: 'compact',
    partitions: counts[0] ?? 0,
  };
}

/** kafkajs' errors are mostly retried, so they log as warnings. */
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

/** Errors kafkajs retries anyway (#1315), and warnings about retries we bound on purpose. */
function isExpectedTransactionNoise(message: string, details: Record<string, unknown>): boolean {
  const text = `${message} ${typeof details['error'] === 'string' ? details['error'] : ''}`;
  return /another concurrent operation on the same transaction|Limiting retries for the idempotent producer/.test(
    text,
  );
}
