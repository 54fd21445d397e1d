import type { FollowedSource } from '@fairflax/event-store';
import { followSource, type DeadLetter, type ProjectionRunner } from '@fairflax/projections';
import type { EnvReader, Logger } from '@fairflax/service-kit';
import { TRANSPORT_NAMES, TRANSPORTS } from '@fairflax/transports';

export interface FollowArticlesLogOptions {
  /** The read service: names its consumer group on a broker. */
  service: string;
  runner: ProjectionRunner;
  logger: Logger;
  env: EnvReader;
  /** Use this source instead of the configured transport (one-process mode). */
  source?: FollowedSource;
  /** The reporter given to the runner as `onParked`: it forwards to this source from now on. */
  deadLetters?: DeadLetterReporter;
}

export interface FollowingLog {
  status: () => object;
  stop: () => Promise<void>;
}

/** Follows the articles log over TRANSPORT; the read model keeps serving while it is away. */
export async function followArticlesLog(options: FollowArticlesLogOptions): Promise<FollowingLog> {
  const { env, logger, runner } = options;
  const transport = env.oneOf('TRANSPORT', TRANSPORT_NAMES, 'embedded');
  const articlesAddress = env.address('ARTICLES_ADDRESS', '127.0.0.1:50051');
  const source =
    options.source ??
    (await TRANSPORTS[transport]!.openEventSource({
      service: options.service,
      articlesAddress,
      env,
      logger,
      onConnectionChange: (connected, status) => {
        if (connected) logger.info({ transport, status }, 'following the articles log');
        else
          logger.warn(
            { transport, status },
            'articles log unreachable; serving what was applied so far',
          );
      },
    }));
  options.deadLetters?.forwardTo(source);
  const following = followSource(runner, source, logger);
  return {
    status: () => ({ transport: options.source ? 'in-process' : transport, ...source.status() }),
    stop: async () => {
      await following.stop();
      await options.deadLetters?.settled();
      await source.close();
    },
  };
}

export interface DeadLetterReporter {
  /** Pass as the runner's `onParked`. */
  readonly onParked: (letters: readonly DeadLetter[]) => void;
  /** Hands later letters to `source.deadLetter` too, when the transport has one. */
  forwardTo(source: FollowedSource): void;
  /** Resolves once the letters handed over so far are published (or failed to be). */
  settled(): Promise<void>;
}

/**
 * Reports the events a projection parks: a warning each, and a copy to the transport's
 * dead-letter topic when it has one. Never throws back into the runner.
 */
export function deadLetterReporter(logger: Logger): DeadLetterReporter {
  let source: FollowedSource | undefined;
  // One publication at a time, so copies reach the topic in the order they were parked.
  let publishing = Promise.resolve();
  return {
    onParked: (letters) => {
      for (const { projection, event, source: from, reason, error } of letters) {
        logger.warn(
          {
            projection,
            streamId: event.streamId,
            position: event.globalPosition,
            type: event.type,
            source: from,
            reason,
            error,
          },
          'event parked as a dead letter; `dead-letters replay` applies it once fixed',
        );
      }
      const target = source;
      if (!target?.deadLetter) return;
      publishing = publishing
        .then(() => target.deadLetter?.(letters))
        .catch((err: unknown) => {
          logger.error(
            { err, events: letters.length },
            'could not publish parked events to the dead-letter topic; they stay parked in the read model',
          );
        });
    },
    forwardTo: (followed) => {
      source = followed;
    },
    settled: () => publishing,
  };
}
