import {
  checkedOption,
  redeliveryDelay,
  type HandlerFailure,
  type RedeliveryOptions,
} from '@fairflax/bus';
import { consoleLogger, type KafkaLogger } from '@fairflax/kafka-kit';
import { logLevel, type RetryOptions } from 'kafkajs';

export interface KafkaBusOptions extends RedeliveryOptions {
  /** Bootstrap brokers, `host:port`. */
  brokers: readonly string[];
  clientId?: string;
  /** Partitions of the topics this bus creates on first use (default 3). */
  partitions?: number;
  /** Settings of topics this bus may create, by name (e.g. compaction for a table-like topic). */
  topicConfigs?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** How much of kafkajs' own logging to keep (default WARN). */
  logLevel?: logLevel;
  logger?: KafkaLogger;
  /** How long `publish` keeps retrying while the cluster is unreachable (default 60_000). */
  publishTimeoutMs?: number;
  /** Longest a fetch waits on the broker for new messages (default 500): also bounds how long closing takes. */
  maxWaitTimeMs?: number;
  /** Called when the subscriptions, taken together, gain or lose their brokers. */
  onConnectionChange?: (connected: boolean) => void;
}

export interface KafkaBusSettings {
  brokers: string[];
  clientId: string;
  partitions: number;
  topicConfigs: Readonly<Record<string, Readonly<Record<string, string>>>>;
  logLevel: logLevel;
  logger: KafkaLogger;
  retryDelayMs: (attempt: number) => number;
  onHandlerError: (error: unknown, failure: HandlerFailure) => void;
  publishTimeoutMs: number;
  maxWaitTimeMs: number;
  onConnectionChange: (connected: boolean) => void;
}

/** About 10 s of kafkajs retries, enough for a quick broker restart; our own loops do the rest. */
export const CLIENT_RETRY: RetryOptions = {
  initialRetryTime: 300,
  maxRetryTime: 3_000,
  retries: 6,
  multiplier: 2,
  factor: 0.2,
};

export function resolveSettings(options: KafkaBusOptions): KafkaBusSettings {
  if (options.brokers.length === 0)
    throw new RangeError('KafkaBus option brokers must not be empty');
  const checked = (name: string, value: number, min: number) =>
    checkedOption('KafkaBus', name, value, min);
  const logger = options.logger ?? consoleLogger;
  return {
    brokers: [...options.brokers],
    clientId: options.clientId ?? 'fairflax',
    partitions: checked('partitions', options.partitions ?? 3, 1),
    topicConfigs: options.topicConfigs ?? {},
    logLevel: options.logLevel ?? logLevel.WARN,
    logger,
    retryDelayMs: redeliveryDelay('KafkaBus', options.retryBackoff),
    onHandlerError:
      options.onHandlerError ??
      ((error, f) =>
        logger.warn(
          {
            err: error,
            topic: f.topic,
            group: f.group,
            partition: f.partition,
            attempt: f.attempt,
          },
          'KafkaBus: batch handler failed; redelivering after a back-off',
        )),
    publishTimeoutMs: checked('publishTimeoutMs', options.publishTimeoutMs ?? 60_000, 0),
    maxWaitTimeMs: checked('maxWaitTimeMs', options.maxWaitTimeMs ?? 500, 0),
    onConnectionChange: options.onConnectionChange ?? (() => undefined),
  };
}
