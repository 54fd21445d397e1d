import type { Logger } from './logger.js';
import { ConfigError } from './config.js';

export type Closer = () => Promise<void> | void;

/** Under a supervisor one stop arrives twice: SIGINT from the terminal, SIGTERM from it. */
export const REPEATED_SIGNAL_MS = 1_000;

/** A second signal, or closers hanging past `timeoutMs`, force the exit: Ctrl-C always stops it. */
export function closeOnSignals(logger: Logger, closers: Closer[], timeoutMs = 10_000): void {
  let closingSince: number | undefined;
  const shutdown = (signal: NodeJS.Signals) => {
    if (closingSince !== undefined) {
      if (Date.now() - closingSince < REPEATED_SIGNAL_MS) {
        logger.debug({ signal }, 'already shutting down');
        return;
      }
      logger.warn({ signal }, 'second signal, exiting now');
      process.exit(1);
    }
    closingSince = Date.now();
    logger.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error({ timeoutMs }, 'shutdown timed out, exiting');
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    void (async () => {
      let code = 0;
      for (const close of closers) {
        try {
          await close();
        } catch (err) {
          code = 1;
          logger.error({ err }, 'error while shutting down');
        }
      }
      logger.info('stopped');
      process.exit(code);
    })();
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

const READY_MESSAGE = { type: 'ready' } as const;

export function isReadyMessage(message: unknown): boolean {
  return (
    typeof message === 'object' &&
    message !== null &&
    (message as { type?: unknown }).type === READY_MESSAGE.type
  );
}

/** Ready once `main` resolved (listening); a ConfigError exits 78 (EX_CONFIG), anything else 1. */
export function runMain(service: string, main: () => Promise<void>): void {
  main().then(tellSupervisorReady, (err: unknown) => {
    if (err instanceof ConfigError) {
      process.stderr.write(`${service}: invalid configuration: ${err.message}\n`);
      process.exit(78);
    }
    process.stderr.write(
      `${service}: failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  });
}

function tellSupervisorReady(): void {
  if (process.send === undefined || !process.connected) return;
  // A channel the supervisor already closed is no reason to fail.
  process.send(READY_MESSAGE, undefined, undefined, () => undefined);
  // Only for this message: it must not keep a finished one-shot command alive.
  process.channel?.unref();
}
