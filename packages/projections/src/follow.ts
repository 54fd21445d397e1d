import type { ProjectionRunner } from './runner.js';
import type { EventSource } from './types.js';

interface LoggerLike {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface FollowHandle {
  /** Stops following; resolves once the batch in progress (if any) has committed. */
  stop(): Promise<void>;
}

export interface FollowSourceOptions {
  retryDelayMs?: number;
  /** For replay requests made by the dead-letters command from another process; default 1 s. */
  replayPollMs?: number;
}

/**
 * A failed batch is rolled back and retried after a pause: the read model serves on, skipping
 * nothing. better-sqlite3 is synchronous, so a replay never runs inside a batch's transaction.
 */
export function followSource(
  runner: ProjectionRunner,
  source: EventSource,
  logger: LoggerLike,
  options: FollowSourceOptions = {},
): FollowHandle {
  const { retryDelayMs = 2_000, replayPollMs = 1_000 } = options;
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
  const replayTimer = setInterval(() => replayIfRequested(runner, logger), replayPollMs);
  replayTimer.unref();
  logger.info(
    { projection: runner.projection.name, position: runner.globalPosition() },
    'following the event log',
  );
  return {
    stop: async () => {
      clearInterval(replayTimer);
      controller.abort();
      await loop;
    },
  };
}

function replayIfRequested(runner: ProjectionRunner, logger: LoggerLike): void {
  const projection = runner.projection.name;
  try {
    if (!runner.hasReplayRequest()) return;
    const { replayed, stillParked } = runner.replayRequested();
    if (stillParked > 0) {
      logger.warn(
        { projection, replayed, stillParked },
        'replayed parked events; some failed again and stay parked',
      );
    } else {
      logger.info({ projection, replayed }, 'replayed parked events');
    }
  } catch (err) {
    // Rolled back with the requests still set: the next poll tries again.
    logger.error({ err, projection }, 'replaying parked events failed; retrying');
  }
}
