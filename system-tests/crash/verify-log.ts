import type { StoredEvent } from '@fairflax/event-store';
import type { CommandResult } from '@fairflax/publishing-api';
import type { LogRecord } from './kafka.js';
import type { CommandStats, LogCheck } from './types.js';

const SAMPLES = 10;

/** Each global position must be on its aggregate's topic exactly once, as the same event. */
export function checkLog(
  events: readonly StoredEvent[],
  records: readonly LogRecord[],
  topics: { article: string; author: string },
): LogCheck {
  const byPosition = new Map(events.map((e) => [e.globalPosition, e]));
  const seen = new Map<number, number>();
  const mismatched: string[] = [];
  let mismatches = 0;
  for (const record of records) {
    const position = Number(record.headers['global-position']);
    seen.set(position, (seen.get(position) ?? 0) + 1);
    const event = byPosition.get(position);
    const topic = event?.streamId.startsWith('author-') ? topics.author : topics.article;
    const problem =
      event === undefined
        ? 'not in the store'
        : record.headers['event-id'] !== event.eventId
          ? `event id ${record.headers['event-id']} but the store has ${event.eventId}`
          : record.key !== event.streamId
            ? `key ${record.key} but the stream is ${event.streamId}`
            : record.topic !== topic
              ? `on ${record.topic}, expected ${topic}`
              : undefined;
    if (problem) {
      mismatches++;
      if (mismatched.length < SAMPLES)
        mismatched.push(
          `${record.topic}/${record.partition}@${record.offset} position ${position}: ${problem}`,
        );
    }
  }
  const duplicatePositions = [...seen].filter(([, n]) => n > 1).map(([p]) => p);
  const missing = events.map((e) => e.globalPosition).filter((p) => !seen.has(p));
  return {
    topics: [topics.article, topics.author],
    records: records.length,
    expected: events.length,
    duplicates: records.length - seen.size,
    missing: missing.length,
    mismatched: mismatches,
    samples: {
      duplicates: duplicatePositions.slice(0, SAMPLES),
      missing: missing.slice(0, SAMPLES),
      mismatched,
    },
  };
}

/** The event at each acknowledged command's returned position must carry its command id. */
export function checkAcknowledged(
  events: readonly StoredEvent[],
  acknowledged: ReadonlyMap<string, CommandResult>,
): Pick<CommandStats, 'lost'> & { samples: string[] } {
  const byPosition = new Map(events.map((e) => [e.globalPosition, e]));
  const samples: string[] = [];
  let lost = 0;
  for (const [commandId, result] of acknowledged) {
    const event = byPosition.get(result.globalPosition);
    if (event?.metadata['commandId'] === commandId && event.streamId === result.streamId) continue;
    lost++;
    if (samples.length < SAMPLES)
      samples.push(
        `${commandId} acknowledged at ${result.streamId}@${result.globalPosition}, which holds ${event ? `${event.type} of ${event.metadata['commandId'] ?? 'no command'}` : 'nothing'}`,
      );
  }
  return { lost, samples };
}
