import { hostname } from 'node:os';
import {
  exactlyOnceAvailable,
  PROCESSING_GUARANTEES,
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
const HOST_PORT = /^([^\s:,]+|\[[0-9a-fA-F:]+\]):(\d{1,5})$/;

function name(env: EnvReader, variable: string, fallback: string): string {
  const value = env.string(variable, fallback);
  if (!NAME.test(value))
    throw new ConfigError(variable, `expected letters, digits, ".", "_" or "-", got "${value}"`);
  return value;
}

/**
 * Reads and validates the configuration; every error names its variable. `exactlyOnce` says
 * whether this build holds the exactly-once committer (kafka-streams' features.ts).
 */
export function readConfig(
  env: EnvReader,
  exactlyOnce = exactlyOnceAvailable(),
): StreamProcessorConfig {
  const brokerList = env.string('KAFKA_BROKERS', '127.0.0.1:9092');
  const brokers = brokerList.split(',').map((broker) => broker.trim());
  for (const broker of brokers) {
    const match = HOST_PORT.exec(broker);
    if (!match || Number(match[2]) > 65535) {
      throw new ConfigError(
        'KAFKA_BROKERS',
        `expected a comma-separated list of host:port, got "${brokerList}"`,
      );
    }
  }
  const instanceId = name(env, 'INSTANCE_ID', `${hostname()}-${process.pid}`);
  // As in @fairflax/bus-kafka: a prefix in front of the shared topics' names, so that several
  // systems (or test runs) can share a cluster. Internal topics are named by APPLICATION_ID,
  // which carries the prefix too: otherwise two deployments would share changelogs and counts.
  const prefix = env.string('KAFKA_TOPIC_PREFIX', '');
  if (!/^[A-Za-z0-9._-]{0,200}$/.test(prefix)) {
    throw new ConfigError(
      'KAFKA_TOPIC_PREFIX',
      `expected letters, digits, ".", "_" or "-", got "${prefix}"`,
    );
  }
  // As in @fairflax/bus-kafka: the strongest guarantee this build has by default. at-least-once
  // is kept to show what a crash does without transactions: a batch processed again counts its
  // publications twice.
  const delivery = env.oneOf(
    'KAFKA_DELIVERY',
    PROCESSING_GUARANTEES,
    exactlyOnce ? 'exactly-once' : 'at-least-once',
  );
  if (delivery === 'exactly-once' && !exactlyOnce) {
    throw new ConfigError(
      'KAFKA_DELIVERY',
      'exactly-once is not available: this build has no transactional committer',
    );
  }
  return {
    brokers,
    applicationId: name(env, 'APPLICATION_ID', `${prefix}fairflax-stream-processor`),
    instanceId,
    stateDir: env.string('STATE_DIR', dataPath(env, `stream-processor-${instanceId}`)),
    articleTopic: name(env, 'ARTICLE_TOPIC', `${prefix}article`),
    statsTopic: name(env, 'STATS_TOPIC', `${prefix}article-stats`),
    // Of the topics this service creates (repartition, stats), as KAFKA_PARTITIONS does for the relay's.
    partitions: env.int('KAFKA_PARTITIONS', 3, { min: 1, max: 1000 }),
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
