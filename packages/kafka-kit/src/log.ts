import { logLevel, type LogEntry, type logCreator } from 'kafkajs';

/** The logger shape of pino (what the services use); console-backed when none is given. */
export interface KafkaLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
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

/**
 * Sends kafkajs' log to `logger`. Dropped: kafkajs' warning that limiting an idempotent
 * producer's retries "may invalidate EoS guarantees"; our own loops do the retrying.
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
