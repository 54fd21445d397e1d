import { createHash } from 'node:crypto';
import { logLevel } from 'kafkajs';
import { exactlyOnceAvailable } from './delivery.js';

/** Environment variables the Kafka transport reads; every value is validated at start-up. */
export type KafkaEnv = Readonly<Record<string, string | undefined>>;

export const DEFAULT_BROKERS = '127.0.0.1:9092';

export class KafkaConfigError extends Error {
  override readonly name = 'KafkaConfigError';
}

const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])$/;

/** `host:port,host:port` -> ['host:port', ...], rejecting anything kafkajs would choke on later. */
export function parseBrokers(value: string | undefined, variable = 'KAFKA_BROKERS'): string[] {
  const raw = value === undefined || value.trim() === '' ? DEFAULT_BROKERS : value;
  const brokers = raw.split(',').map((entry) => entry.trim());
  for (const broker of brokers) {
    const colon = broker.lastIndexOf(':');
    const host = colon > 0 ? broker.slice(0, colon) : '';
    const port = colon > 0 ? broker.slice(colon + 1) : '';
    const portNumber = Number(port);
    if (!HOST.test(host) || !/^\d+$/.test(port) || portNumber < 1 || portNumber > 65_535) {
      throw new KafkaConfigError(
        `${variable} must be a comma-separated list of host:port (port 1-65535), got "${raw}": ` +
          `"${broker}" is not host:port`,
      );
    }
  }
  return brokers;
}

/**
 * Which replica of a read service this process is. Every replica keeps a complete read model,
 * so each is its own consumer group: REPLICA_ID when set, else a short hash of the data folder,
 * which stays the same across restarts of one replica and differs between replicas on one host.
 */
export function replicaId(env: KafkaEnv, cwd = process.cwd()): string {
  const explicit = env['REPLICA_ID']?.trim();
  if (explicit !== undefined && explicit !== '') {
    if (!/^[A-Za-z0-9._-]{1,100}$/.test(explicit)) {
      throw new KafkaConfigError(
        `REPLICA_ID must be 1-100 letters, digits, '.', '_' or '-', got "${explicit}"`,
      );
    }
    return explicit;
  }
  const dataDir = env['DATA_DIR']?.trim() || cwd;
  return createHash('sha256').update(dataDir).digest('hex').slice(0, 10);
}

/** The consumer group of one replica of a read service: `fairflax-<service>-<replica>`. */
export function groupIdFor(service: string, env: KafkaEnv, cwd?: string): string {
  return `fairflax-${service}-${replicaId(env, cwd)}`;
}

const LOG_LEVELS: Record<string, logLevel> = {
  nothing: logLevel.NOTHING,
  error: logLevel.ERROR,
  warn: logLevel.WARN,
  info: logLevel.INFO,
  debug: logLevel.DEBUG,
};

/** KAFKA_LOG_LEVEL: how much of kafkajs' own logging to keep (default warn). */
export function logLevelFrom(env: KafkaEnv): logLevel {
  const value = env['KAFKA_LOG_LEVEL']?.trim().toLowerCase() || 'warn';
  const level = LOG_LEVELS[value];
  if (level === undefined) {
    throw new KafkaConfigError(
      `KAFKA_LOG_LEVEL must be one of ${Object.keys(LOG_LEVELS).join(', ')}, got "${value}"`,
    );
  }
  return level;
}

/** KAFKA_PARTITIONS: partitions of the topics the relay creates (default 3). */
export function partitionsFrom(env: KafkaEnv): number {
  const value = env['KAFKA_PARTITIONS']?.trim() || '3';
  const partitions = Number(value);
  if (!/^\d+$/.test(value) || partitions < 1 || partitions > 1_000) {
    throw new KafkaConfigError(
      `KAFKA_PARTITIONS must be an integer from 1 to 1000, got "${value}"`,
    );
  }
  return partitions;
}

/**
 * KAFKA_TOPIC_PREFIX: put in front of every topic name (default none), so several systems (or
 * test runs) can share one cluster: `staging.` gives `staging.article` and `staging.author`.
 */
export function topicPrefixFrom(env: KafkaEnv): string {
  const prefix = env['KAFKA_TOPIC_PREFIX']?.trim() ?? '';
  if (!/^[A-Za-z0-9._-]{0,200}$/.test(prefix)) {
    throw new KafkaConfigError(
      `KAFKA_TOPIC_PREFIX may hold only letters, digits, '.', '_' and '-', got "${prefix}"`,
    );
  }
  return prefix;
}

export const DELIVERY_GUARANTEES = ['exactly-once', 'at-least-once'] as const;
export type DeliveryGuarantee = (typeof DELIVERY_GUARANTEES)[number];

/**
 * KAFKA_DELIVERY: `exactly-once` writes through Kafka transactions; `at-least-once` does not, and
 * shows what a crash does without them (`pnpm crash-test`). The default is the strongest this
 * build has (see features.ts).
 */
export function deliveryFrom(
  env: KafkaEnv,
  available: boolean = exactlyOnceAvailable(),
): DeliveryGuarantee {
  const value = env['KAFKA_DELIVERY']?.trim() || (available ? 'exactly-once' : 'at-least-once');
  if (!(DELIVERY_GUARANTEES as readonly string[]).includes(value)) {
    throw new KafkaConfigError(
      `KAFKA_DELIVERY must be one of ${DELIVERY_GUARANTEES.join(', ')}, got "${value}"`,
    );
  }
  if (value === 'exactly-once' && !available) {
    throw new KafkaConfigError(
      'KAFKA_DELIVERY=exactly-once is not available: this build has no transactional sink',
    );
  }
  return value as DeliveryGuarantee;
}
