import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { deliveryFrom, kafkaConnection, partitionsFrom } from '@fairflax/kafka-kit';
import {
  exactlyOnceAvailable,
  repartitionTopic,
  startStreamApp,
  waitForTopics,
  type ProcessingGuarantee,
  type BatchEvent,
  type StreamApp,
} from '@fairflax/kafka-streams';
import {
  ConfigError,
  createMetricsRegistry,
  dataPath,
  startMetricsServer,
  type Closer,
  type EnvReader,
  type Logger,
} from '@fairflax/service-kit';
import { articleStatsTasks } from './article-stats.js';
import { metricsExtensions } from './metrics-extensions.js';

export interface StreamProcessorOptions {
  env: EnvReader;
  logger: Logger;
  /** Called when a task stopped for good (an error a restart will not cure); exits by default. */
  onFatalError?: (error: unknown) => void;
}

export interface StreamProcessorConfig {
  brokers: string[];
  applicationId: string;
  instanceId: string;
  stateDir: string;
  articleTopic: string;
  statsTopic: string;
  partitions: number;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  delivery: ProcessingGuarantee;
  /** Loopback port of /metrics and /healthz; 0 picks a free one. */
  metricsPort: number;
}

const NAME = /^[A-Za-z0-9._-]+$/;

function name(env: EnvReader, variable: string, fallback: string): string {
  const value = env.string(variable, fallback);
  if (!NAME.test(value))
    throw new ConfigError(variable, `expected letters, digits, ".", "_" or "-", got "${value}"`);
  return value;
}

/** Reads and validates the configuration; every error names its variable. */
export function readConfig(
  env: EnvReader,
  exactlyOnce = exactlyOnceAvailable(),
): StreamProcessorConfig {
  const { brokers, topicPrefix: prefix } = kafkaConnection(env);
  const instanceId = name(env, 'INSTANCE_ID', `${hostname()}-${process.pid}`);
  // Internal topics are named by APPLICATION_ID, which carries the prefix too: otherwise two
  // deployments on one cluster would share changelogs and counts.
  const delivery = deliveryFrom(env, exactlyOnce);
  return {
    brokers,
    applicationId: name(env, 'APPLICATION_ID', `${prefix}fairflax-stream-processor`),
    instanceId,
    stateDir: env.string('STATE_DIR', dataPath(env, `stream-processor-${instanceId}`)),
    articleTopic: name(env, 'ARTICLE_TOPIC', `${prefix}article`),
    statsTopic: name(env, 'STATS_TOPIC', `${prefix}article-stats`),
    partitions: partitionsFrom(env),
    // The broker accepts 6 s to 30 min (group.min/max.session.timeout.ms).
    sessionTimeoutMs: env.int('KAFKA_SESSION_TIMEOUT_MS', 30_000, { min: 6_000, max: 1_800_000 }),
    heartbeatIntervalMs: env.int('KAFKA_HEARTBEAT_INTERVAL_MS', 3_000, { min: 100, max: 60_000 }),
    delivery,
    metricsPort: env.port('STREAM_PROCESSOR_METRICS_PORT', 4004),
  };
}

/**
 * The composition root: published articles per category and per author per hour, from the
 * `article` topic to the compacted `article-stats` topic, as one instance of a stream
 * application. Start more instances with the same APPLICATION_ID (and their own INSTANCE_ID
 * and STATE_DIR) to share the partitions.
 */
export async function startStreamProcessor({
  env,
  logger,
  onFatalError,
}: StreamProcessorOptions): Promise<Closer> {
  const config = readConfig(env);
  const registry = createMetricsRegistry();
  let app: StreamApp | undefined;
  let stoppedTask: string | undefined;
  const assignment = () => app?.assignment() ?? {};
  const reporters = metricsExtensions.map((measure) => measure(registry, { assignment }));
  // Up before the app, so that /healthz shows a processor still waiting for its input topic.
  const ops = await startMetricsServer('127.0.0.1', config.metricsPort, registry, () => {
    if (stoppedTask !== undefined) throw new Error(`task ${stoppedTask} stopped`);
    return { status: 'ok', running: app !== undefined, partitions: assignment() };
  });
  const closeOps = () => new Promise<void>((resolve) => ops.close(() => resolve()));
  try {
    app = await startApp(
      config,
      logger,
      (event) => reporters.forEach((report) => report(event)),
      (task, error) => {
        stoppedTask = task;
        logger.error({ task, err: error }, 'a task stopped for good');
        (onFatalError ?? exitOnFatalError)(error);
      },
    );
  } catch (err) {
    await closeOps();
    throw err;
  }
  const running = app;
  logger.info(
    {
      instanceId: config.instanceId,
      applicationId: config.applicationId,
      stateDir: config.stateDir,
      input: config.articleTopic,
      output: config.statsTopic,
      delivery: config.delivery,
      metrics: `http://127.0.0.1:${(ops.address() as AddressInfo).port}/metrics`,
    },
    'stream processor running',
  );
  return async () => {
    await closeOps();
    await running.close();
  };
}

async function startApp(
  config: StreamProcessorConfig,
  logger: Logger,
  onBatch: (event: BatchEvent) => void,
  onFatalError: (task: string, error: unknown) => void,
): Promise<StreamApp> {
  const repartition = repartitionTopic(config.applicationId, 'publications');
  // The articles relay creates the article topic with its first batch; until then, wait.
  let announced = false;
  await waitForTopics(config.brokers, [config.articleTopic], (missing) => {
    if (!announced)
      logger.info({ missing }, 'waiting for the articles relay to create the input topic');
    announced = true;
  });
  return startStreamApp({
    applicationId: config.applicationId,
    instanceId: config.instanceId,
    brokers: config.brokers,
    stateDir: config.stateDir,
    partitions: config.partitions,
    sessionTimeoutMs: config.sessionTimeoutMs,
    heartbeatIntervalMs: config.heartbeatIntervalMs,
    processingGuarantee: config.delivery,
    logger,
    onBatch,
    topics: [
      // A stream of publications to count: compaction would drop some of them.
      { name: repartition, cleanupPolicy: 'delete' },
      { name: config.statsTopic, cleanupPolicy: 'compact' },
    ],
    tasks: articleStatsTasks(
      { articles: config.articleTopic, repartition, stats: config.statsTopic },
      logger,
    ),
    onFatalError,
  });
}

/** Without a consumer the instance is useless: exit non-zero so a supervisor restarts it. */
function exitOnFatalError(): void {
  process.exit(1);
}
