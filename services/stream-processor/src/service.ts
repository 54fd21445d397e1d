import { hostname } from 'node:os';
import { deliveryFrom, kafkaConnection, partitionsFrom } from '@fairflax/kafka-kit';
import {
  exactlyOnceAvailable,
  repartitionTopic,
  startStreamApp,
  waitForTopics,
  type ProcessingGuarantee,
} from '@fairflax/kafka-streams';
import {
  ConfigError,
  dataPath,
  type Closer,
  type EnvReader,
  type Logger,
} from '@fairflax/service-kit';
import { articleStatsTasks } from './article-stats.js';

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
  const repartition = repartitionTopic(config.applicationId, 'publications');
  // The articles relay creates the article topic with its first batch; until then, wait.
  let announced = false;
  await waitForTopics(config.brokers, [config.articleTopic], (missing) => {
    if (!announced)
      logger.info({ missing }, 'waiting for the articles relay to create the input topic');
    announced = true;
  });
  const app = await startStreamApp({
    applicationId: config.applicationId,
    instanceId: config.instanceId,
    brokers: config.brokers,
    stateDir: config.stateDir,
    partitions: config.partitions,
    sessionTimeoutMs: config.sessionTimeoutMs,
    heartbeatIntervalMs: config.heartbeatIntervalMs,
    processingGuarantee: config.delivery,
    logger,
    topics: [
      // A stream of publications to count: compaction would drop some of them.
      { name: repartition, cleanupPolicy: 'delete' },
      { name: config.statsTopic, cleanupPolicy: 'compact' },
    ],
    tasks: articleStatsTasks(
      { articles: config.articleTopic, repartition, stats: config.statsTopic },
      logger,
    ),
    onFatalError: (task, error) => {
      logger.error({ task, err: error }, 'a task stopped for good');
      (onFatalError ?? exitOnFatalError)(error);
    },
  });
  logger.info(
    {
      instanceId: config.instanceId,
      applicationId: config.applicationId,
      stateDir: config.stateDir,
      input: config.articleTopic,
      output: config.statsTopic,
      delivery: config.delivery,
    },
    'stream processor running',
  );
  return () => app.close();
}

/** Without a consumer the instance is useless: exit non-zero so a supervisor restarts it. */
function exitOnFatalError(): void {
  process.exit(1);
}
