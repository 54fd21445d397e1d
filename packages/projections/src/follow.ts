import type { ProjectionRunner } from './runner.js';
import type { EventSource } from './types.js';

interface LoggerLike {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface FollowHandle {
  /** Stops following; resolves once the batch in progress (if any) has committed. */
  stop(): Promise<void>;
}

export interface FollowSourceOptions {
  retryDelayMs?: number;
}

/**
 * A failed batch is rolled back and retried after a pause: the read model serves on what it
 * has, skipping nothing.
 */
export function followSource(
  runner: ProjectionRunner,
  source: EventSource,
  logger: LoggerLike,
  { retryDelayMs = 2_000 }: FollowSourceOptions = {},
): FollowHandle {
  const controller = new AbortController();
  const loop = (async () => {
    while (!controller.signal.aborted) {
      try {
        await runner.run(source, controller.signal);
      } catch (err) {
        logger.error({ err, position: runner.globalPosition() }, 'projection failed; retrying');
        await new Promise((r) => setTimeout(r, retryDelayMs));
      }
    }
  })();
  logger.info(
    { projection: runner.projection.name, position: runner.globalPosition() },
    'following the event log',
  );
  return {
    stop: async () => {
      controller.abort();
      await loop;
    },
  };
}
