import { logLevel, type LogEntry, type logCreator } from 'kafkajs';

/** The logger shape of pino (what the services use); console-backed when none is given. */
export interface KafkaLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
  debug?(obj: object, msg: string): void;
}

/** One JSON line per entry on stdout/stderr, for callers without a logger. */
export const consoleLogger: KafkaLogger = {
  info: (obj, msg) => console.info(jsonLine('info', obj, msg)),
  warn: (obj, msg) => console.warn(jsonLine('warn', obj, msg)),
  error: (obj, msg) => console.error(jsonLine('error', obj, msg)),
};

function jsonLine(level: string, obj: object, msg: string): string {
  // JSON.stringify would drop an Error's message and stack.
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

/** Broker answers that kafkajs retries by itself while topics and groups form. */
const EXPECTED_WHILE_FORMING = [
  'Topic with this name already exists',
  'The group is rebalancing',
  'The group coordinator is not available',
  "The coordinator is loading and hence can't process requests for this group",
  'This is not the correct coordinator for this group',
  'There is no leader for this topic-partition as we are in the middle of a leadership election',
  'The group member needs to have a valid member id before actually entering a consumer group',
  // A topic just created, before its metadata reached every broker.
  'This server does not host this topic-partition',
];

export type KafkaLogLevel = 'debug' | 'info' | 'warn' | 'error';

/**
 * Where a kafkajs entry goes. What kafkajs reports but handles itself (a topic another client
 * created first, a group forming or rebalancing) is debug; a failure it hands to us stays an
 * error; `undefined` drops the warning that limiting an idempotent producer's retries "may
 * invalidate EoS guarantees" (our own loops do the retrying).
 */
export function kafkaLogLevel(
  level: logLevel,
  message: string,
  error?: unknown,
): KafkaLogLevel | undefined {
  if (message.startsWith('Limiting retries for the idempotent producer')) return undefined;
  const retried = message.startsWith('Response ') || message.startsWith('The group is rebalancing');
  const cause = typeof error === 'string' ? error : message;
  if (retried && EXPECTED_WHILE_FORMING.some((text) => cause.startsWith(text))) return 'debug';
  if (level === logLevel.ERROR) return 'error';
  if (level === logLevel.WARN) return 'warn';
  return level === logLevel.INFO ? 'info' : 'debug';
}

/** Sends kafkajs' log to `logger`, at the level `kafkaLogLevel` gives (debug only if it has one). */
export function kafkaLogCreator(logger: KafkaLogger): logCreator {
  return () =>
    ({ namespace, level, log }: LogEntry) => {
      const { message } = log;
      const to = kafkaLogLevel(level, message, (log as { error?: unknown }).error);
      if (to === undefined) return;
      const entry: Record<string, unknown> = { kafkajs: namespace, ...log };
      delete entry['message'];
      delete entry['timestamp'];
      if (to === 'debug') logger.debug?.(entry, message);
      else logger[to](entry, message);
    };
}
