import { toBusMessage } from '@fairflax/bus';
import type { FollowedSource, TopicRecord } from '@fairflax/event-store';
import type { Logger } from '@fairflax/service-kit';
import type { DeadLetter } from './dead-letter-store.js';

/** Where a read service puts copies of the events it parked, on a transport with topics. */
export const DEAD_LETTER_TOPIC = 'dead-letters';

export interface DeadLetterReporter {
  /** Pass as the runner's `onParked`. */
  readonly onParked: (letters: readonly DeadLetter[]) => void;
  /** Publishes later letters on `source`'s dead-letter topic too, when it has topics. */
  forwardTo(source: FollowedSource): void;
  /** Resolves once the letters handed over so far are published (or failed to be). */
  settled(): Promise<void>;
}

/**
 * Reports the events a projection parks: a warning each, and a copy to the transport's
 * dead-letter topic when it has one. Never throws back into the runner.
 */
export function deadLetterReporter(service: string, logger: Logger): DeadLetterReporter {
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
      if (!target?.publish) return;
      const records = letters.map((letter) => deadLetterMessage(service, letter));
      publishing = publishing
        .then(() => target.publish?.(DEAD_LETTER_TOPIC, records))
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

/**
 * A parked event plus who parked it, where and why. The read model's `dead_letters` table is
 * the record of truth; the topic is for alerting, and may hold a letter twice after a crash.
 */
export function deadLetterMessage(service: string, letter: DeadLetter): TopicRecord {
  const message = toBusMessage(letter.event);
  return {
    key: message.key,
    value: message.value,
    headers: {
      ...message.headers,
      'dead-letter-service': service,
      'dead-letter-projection': letter.projection,
      'dead-letter-source': letter.source,
      'dead-letter-position': String(letter.position),
      ...(letter.offset === undefined ? {} : { 'dead-letter-offset': String(letter.offset) }),
      'dead-letter-reason': letter.reason,
      'dead-letter-error': letter.error,
      'dead-letter-parked-at': letter.parkedAt,
      'dead-letter-attempts': String(letter.attempts),
    },
  };
}
