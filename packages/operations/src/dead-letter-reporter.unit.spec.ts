import type { DeadLetter } from './dead-letter-store.js';
import type { Logger } from '@fairflax/service-kit';
import { describe, expect, it } from 'vitest';
import { deadLetterReporter } from './dead-letter-reporter.js';
import type { FollowedSource, TopicRecord } from '@fairflax/event-store';

const letter = (globalPosition: number): DeadLetter => ({
  id: globalPosition,
  projection: 'rss-v1',
  source: 'article/0',
  position: globalPosition,
  offset: globalPosition + 100,
  event: {
    eventId: `e${globalPosition}`,
    streamId: 'article-a1',
    streamVersion: globalPosition,
    globalPosition,
    type: 'ArticleDrafted',
    schemaVersion: 1,
    data: new Uint8Array([1]),
    metadata: {},
    recordedAt: '2026-03-01T00:00:00.000Z',
  },
  error: 'Error: boom',
  reason: 'failed',
  parkedAt: '2026-03-01T00:00:01.000Z',
  attempts: 1,
  replayRequested: false,
});

function recordingLogger() {
  const lines: { level: string; obj: Record<string, unknown>; msg: string }[] = [];
  const at = (level: string) => (obj: Record<string, unknown>, msg: string) =>
    lines.push({ level, obj, msg });
  return { lines, logger: { warn: at('warn'), error: at('error') } as unknown as Logger };
}

const sourceWith = (publish?: FollowedSource['publish']): FollowedSource => ({
  batches: async function* () {},
  status: () => ({}),
  close: () => undefined,
  ...(publish && { publish }),
});

const positionsOf = (records: readonly TopicRecord[]) =>
  records.map((r) => Number(r.headers['dead-letter-position']));

describe('deadLetterReporter', () => {
  it('logs a warning naming the stream, position and error of each parked event', () => {
    const { lines, logger } = recordingLogger();
    deadLetterReporter('rss', logger).onParked([letter(7)]);
    expect(lines).toEqual([
      {
        level: 'warn',
        obj: expect.objectContaining({
          streamId: 'article-a1',
          position: 7,
          error: 'Error: boom',
          reason: 'failed',
        }),
        msg: expect.stringMatching(/parked/),
      },
    ]);
  });

  it('hands the letters, in order, to a transport with a dead-letter topic', async () => {
    const { logger } = recordingLogger();
    const published: { topic: string; positions: number[] }[] = [];
    const headers: Record<string, string>[] = [];
    const reporter = deadLetterReporter('rss', logger);
    reporter.forwardTo(
      sourceWith(async (topic, records) => {
        await new Promise((r) => setTimeout(r, positionsOf(records)[0] === 1 ? 20 : 0));
        published.push({ topic, positions: positionsOf(records) });
        headers.push(...records.map((r) => r.headers));
      }),
    );
    reporter.onParked([letter(1)]);
    reporter.onParked([letter(2), letter(3)]);
    await reporter.settled();
    expect(published).toEqual([
      { topic: 'dead-letters', positions: [1] },
      { topic: 'dead-letters', positions: [2, 3] },
    ]);
    expect(headers[0]).toMatchObject({
      'dead-letter-service': 'rss',
      'dead-letter-projection': 'rss-v1',
      'dead-letter-reason': 'failed',
      'dead-letter-error': 'Error: boom',
      'dead-letter-offset': '101',
    });
  });

  it('logs a failed publication instead of throwing, and keeps publishing later letters', async () => {
    const { lines, logger } = recordingLogger();
    const published: number[] = [];
    const reporter = deadLetterReporter('rss', logger);
    reporter.forwardTo(
      sourceWith((_topic, records) => {
        const [position] = positionsOf(records);
        if (position === 1) return Promise.reject(new Error('broker down'));
        published.push(position!);
        return Promise.resolve();
      }),
    );
    expect(() => reporter.onParked([letter(1)])).not.toThrow();
    reporter.onParked([letter(2)]);
    await reporter.settled();
    expect(published).toEqual([2]);
    expect(lines.filter((l) => l.level === 'error')).toEqual([
      {
        level: 'error',
        obj: expect.objectContaining({ err: expect.objectContaining({ message: 'broker down' }) }),
        msg: expect.any(String),
      },
    ]);
  });

  it('only logs when the transport has no dead-letter topic', async () => {
    const { lines, logger } = recordingLogger();
    const reporter = deadLetterReporter('rss', logger);
    reporter.forwardTo(sourceWith());
    reporter.onParked([letter(1)]);
    await reporter.settled();
    expect(lines.map((l) => l.level)).toEqual(['warn']);
  });
});
