import { ConfigError, type EnvReader } from '@fairflax/service-kit';
import { logLevel } from 'kafkajs';

export const DEFAULT_BROKERS = '127.0.0.1:9092';

const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])$/;
const NAME = /^[A-Za-z0-9._-]{0,200}$/;

/** KAFKA_BROKERS: `host:port,host:port`, refusing anything kafkajs would choke on later. */
export function brokersFrom(env: EnvReader): string[] {
  const raw = env.string('KAFKA_BROKERS', DEFAULT_BROKERS);
  const brokers = raw.split(',').map((entry) => entry.trim());
  for (const broker of brokers) {
    const colon = broker.lastIndexOf(':');
    const host = colon > 0 ? broker.slice(0, colon) : '';
    const port = colon > 0 ? broker.slice(colon + 1) : '';
    if (!HOST.test(host) || !/^\d+$/.test(port) || +port < 1 || +port > 65_535) {
      throw new ConfigError(
        'KAFKA_BROKERS',
        `expected a comma-separated list of host:port (port 1-65535), got "${raw}": "${broker}" is not host:port`,
      );
    }
  }
  return brokers;
}

/** KAFKA_TOPIC_PREFIX: in front of every topic name, so that several systems can share a cluster. */
export function topicPrefixFrom(env: EnvReader): string {
  const prefix = env.string('KAFKA_TOPIC_PREFIX', '');
  if (!NAME.test(prefix)) {
    throw new ConfigError(
      'KAFKA_TOPIC_PREFIX',
      `expected at most 200 letters, digits, ".", "_" or "-", got "${prefix}"`,
    );
  }
  return prefix;
}

const LOG_LEVELS = {
  nothing: logLevel.NOTHING,
  error: logLevel.ERROR,
  warn: logLevel.WARN,
  info: logLevel.INFO,
  debug: logLevel.DEBUG,
} as const;

/** KAFKA_LOG_LEVEL: how much of kafkajs' own logging to keep (default warn). */
export function logLevelFrom(env: EnvReader): logLevel {
  const value = env.string('KAFKA_LOG_LEVEL', 'warn').toLowerCase();
  if (!Object.hasOwn(LOG_LEVELS, value)) {
    const names = Object.keys(LOG_LEVELS).join(', ');
    throw new ConfigError('KAFKA_LOG_LEVEL', `expected one of ${names}, got "${value}"`);
  }
  return LOG_LEVELS[value as keyof typeof LOG_LEVELS];
}

/** KAFKA_PARTITIONS: partitions of the topics a service creates (default 3). */
export function partitionsFrom(env: EnvReader): number {
  return env.int('KAFKA_PARTITIONS', 3, { min: 1, max: 1_000 });
}

export interface KafkaConnection {
  brokers: string[];
  topicPrefix: string;
  logLevel: logLevel;
}

export function kafkaConnection(env: EnvReader): KafkaConnection {
  return {
    brokers: brokersFrom(env),
    topicPrefix: topicPrefixFrom(env),
    logLevel: logLevelFrom(env),
  };
}

export const DELIVERY_GUARANTEES = ['exactly-once', 'at-least-once'] as const;
export type DeliveryGuarantee = (typeof DELIVERY_GUARANTEES)[number];

/**
 * KAFKA_DELIVERY: `exactly-once` writes through Kafka transactions, `at-least-once` does not.
 * The default is the strongest guarantee `available` says this build has.
 */
export function deliveryFrom(env: EnvReader, exactlyOnceAvailable: boolean): DeliveryGuarantee {
  const delivery = env.oneOf(
    'KAFKA_DELIVERY',
    DELIVERY_GUARANTEES,
    exactlyOnceAvailable ? 'exactly-once' : 'at-least-once',
  );
  if (delivery === 'exactly-once' && !exactlyOnceAvailable) {
    throw new ConfigError('KAFKA_DELIVERY', 'exactly-once is not available in this build');
  }
  return delivery;
}
