import { pino, type DestinationStream, type Logger } from 'pino';
import { PinoPretty } from 'pino-pretty';
import { ConfigError } from './config.js';

export type { Logger };

export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

type Env = Readonly<Record<string, string | undefined>>;

/** LOG_FORMAT when set; otherwise pretty on a terminal, JSON lines for pipes, files and CI. */
export function logFormat(env: Env, isTTY: boolean): LogFormat {
  const chosen = env['LOG_FORMAT']?.trim();
  if (chosen === undefined || chosen === '') return isTTY ? 'pretty' : 'json';
  if (!(LOG_FORMATS as readonly string[]).includes(chosen))
    throw new ConfigError(
      'LOG_FORMAT',
      `expected one of ${LOG_FORMATS.join(', ')}, got "${chosen}"`,
    );
  return chosen as LogFormat;
}

/**
 * Pretty lines are formatted in this thread and written synchronously, so there is no
 * transport worker to start or to close, and the last lines before an exit are not lost.
 */
export function prettyStream(colorize: boolean): DestinationStream {
  return PinoPretty({
    colorize,
    sync: true,
    singleLine: true,
    destination: 1,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,service,name',
  });
}

/** JSON lines go to `destination` (stdout by default). */
export function createLogger(
  service: string,
  env: Env = process.env,
  destination?: DestinationStream,
): Logger {
  const level = env['LOG_LEVEL']?.trim() || 'info';
  const options = { name: service, level, base: { service } };
  if (destination !== undefined) return pino(options, destination);
  if (logFormat(env, process.stdout.isTTY) === 'json') return pino(options);
  const colorize = process.stdout.isTTY || env['FORCE_COLOR'] === '1';
  return pino(options, prettyStream(colorize));
}
