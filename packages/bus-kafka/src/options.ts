import type { Delivery } from '@fairflax/bus';
import { logLevel, type LogEntry, type logCreator, type RetryOptions } from 'kafkajs';

/** The logger shape of pino (what the services use); console-backed when none is given. */
export interface KafkaLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface KafkaBusOptions {
  /** Bootstrap brokers, `host:port`. */
  brokers: readonly string[];
  clientId?: string;
  /** Partitions of the topics this bus creates on first use (default 3). */
  partitions?: number;
  /**
   * Settings for topics this bus may create, by topic name, e.g. `{ 'cleanup.policy': 'compact' }`
   * for a table-like topic whose producer may start after its first consumer.
   */
  topicConfigs?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** How much of kafkajs' own logging to keep (default WARN). */
  logLevel?: logLevel;
  logger?: KafkaLogger;
  /** Delay before redelivering a failed batch: doubles from `initialMs` (100) up to `maxMs` (5_000). */
  retryBackoff?: { initialMs?: number; maxMs?: number };
  /** Told about every failed batch before it is retried; by default logged as a warning. */
  onHandlerError?: (error: unknown, failure: HandlerFailure) => void;
  /** How long `publish` keeps retrying while the cluster is unreachable (default 60_000). */
  publishTimeoutMs?: number;
  /** Longest a fetch waits on the broker for new messages (default 500): also bounds how long closing takes. */
  maxWaitTimeMs?: number;
  /** Called when the subscriptions, taken together, gain or lose their brokers. */
  onConnectionChange?: (connected: boolean) => void;
}

export interface HandlerFailure {
  topic: string;
  group: string;
  partition: number;
  /** 1 for the batch's first failure, then 2, 3, ... while it keeps failing. */
  attempt: number;
  batch: readonly Delivery[];
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

/**
 * kafkajs retries for connecting, metadata and requests: about 10 s of attempts, enough to ride
 * out a quick broker restart; longer outages are left to our own loops (publish retrying until
 * its deadline, consumers restarting on failure), which can stop when the bus closes.
 */
export const CLIENT_RETRY: RetryOptions = {
  initialRetryTime: 300,
  maxRetryTime: 3_000,
  retries: 6,
  multiplier: 2,
  factor: 0.2,
};

function checked(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`KafkaBus option ${name} must be an integer >= ${min}, got ${value}`);
  }
  return value;
}

export function resolveSettings(options: KafkaBusOptions): KafkaBusSettings {
  if (options.brokers.length === 0)
    throw new RangeError('KafkaBus option brokers must not be empty');
  const initialMs = checked('retryBackoff.initialMs', options.retryBackoff?.initialMs ?? 100, 0);
  const maxMs = checked('retryBackoff.maxMs', options.retryBackoff?.maxMs ?? 5_000, initialMs);
  const logger = options.logger ?? consoleLogger;
  return {
    brokers: [...options.brokers],
    clientId: options.clientId ?? 'fairflax',
    partitions: checked('partitions', options.partitions ?? 3, 1),
    topicConfigs: options.topicConfigs ?? {},
    logLevel: options.logLevel ?? logLevel.WARN,
    logger,
    retryDelayMs: (attempt) => Math.min(initialMs * 2 ** (attempt - 1), maxMs),
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

/** One JSON line per entry on stdout/stderr, for callers without a logger. */
export const consoleLogger: KafkaLogger = {
  info: (obj, msg) => console.info(jsonLine('info', obj, msg)),
  warn: (obj, msg) => console.warn(jsonLine('warn', obj, msg)),
  error: (obj, msg) => console.error(jsonLine('error', obj, msg)),
};

function jsonLine(level: string, obj: object, msg: string): string {
  // Errors keep their message and stack, which JSON.stringify would drop.
  return JSON.stringify({ level, msg, ...obj }, (_key, value: unknown) =>
    value instanceof Error
      ? {
          ...value,
          name: value.name,
          message: value.message,
          stack: value.stack,
          cause: value.cause,
        }
      : value,
  );
}

/**
 * Sends kafkajs' log to our logger. One message is dropped: kafkajs warns that limiting an
 * idempotent producer's retries "may invalidate EoS guarantees", but this bus promises
 * at-least-once only, and bounds kafkajs' retries on purpose so its own publish loop (which
 * can give up when the bus closes) does the waiting.
 */
export function kafkaLogCreator(logger: KafkaLogger): logCreator {
  return () =>
    ({ namespace, level, log }: LogEntry) => {
      const { message } = log;
      if (message.startsWith('Limiting retries for the idempotent producer')) return;
      const entry: Record<string, unknown> = { kafkajs: namespace, ...log };
      delete entry['message'];
      delete entry['timestamp'];
      if (level === logLevel.ERROR) logger.error(entry, message);
      else if (level === logLevel.WARN) logger.warn(entry, message);
      else logger.info(entry, message);
    };
}
