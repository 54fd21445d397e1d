import type { FollowedSource } from '@fairflax/event-store';
import type { Logger } from '@fairflax/service-kit';
import type { DeadLetter } from './dead-letter-store.js';

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
