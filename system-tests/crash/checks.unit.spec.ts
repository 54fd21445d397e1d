import type { StoredEvent } from '@fairflax/event-store';
import { eventLog, newsroomEvents as n } from '@fairflax/projections/testing';
import { describe, expect, it } from 'vitest';
import { planFaults } from './faults.js';
import type { LogRecord } from './kafka.js';
import { diffTables, type TableRows } from './tables.js';
import { checkLog } from './verify-log.js';
import { checkRepartition, expectedCounts, lastValues } from './verify-stats.js';
import { planCommands } from './workload.js';

const topics = { article: 'p-article', author: 'p-author' };

/** The newsroom events as the store holds them, positions from 1. */
function stored(...events: Parameters<ReturnType<typeof eventLog>>[0]): StoredEvent[] {
  return eventLog()(events).map((d) => d.event);
}

function recordOf(
  event: StoredEvent,
  offset: number,
  overrides: Partial<LogRecord> = {},
): LogRecord {
  return {
    topic: event.streamId.startsWith('author-') ? topics.author : topics.article,
    partition: 0,
    offset,
    key: event.streamId,
    value: Buffer.from(event.data),
    headers: { 'global-position': String(event.globalPosition), 'event-id': event.eventId },
    ...overrides,
  };
}

describe('the crash workload', () => {
  it('is the same plan for the same seed, with unique deterministic command ids', () => {
    const plan = planCommands(7, 2_000);
    expect(planCommands(7, 2_000)).toEqual(plan);
    expect(planCommands(8, 2_000)).not.toEqual(plan);
    expect(new Set(plan.map((c) => c.commandId)).size).toBe(2_000);
    expect(plan[1_234]!.commandId).toBe('crash-7-1234');
  });

  it('only plans commands the domain accepts in plan order', () => {
    const status = new Map<string, string>();
    const authors = new Set<string>();
    for (const c of planCommands(3, 5_000)) {
      switch (c.type) {
        case 'registerAuthor':
          expect(authors.has(c.request.authorId!)).toBe(false);
          authors.add(c.request.authorId!);
          break;
        case 'renameAuthor':
          expect(authors.has(c.request.authorId)).toBe(true);
          break;
        case 'draftArticle':
          expect(authors.has(c.request.authorId)).toBe(true);
          expect(status.has(c.request.articleId!)).toBe(false);
          status.set(c.request.articleId!, 'DRAFT');
          break;
        case 'reviseArticle':
          expect(['DRAFT', 'PUBLISHED']).toContain(status.get(c.request.articleId));
          break;
        case 'publishArticle':
          expect(status.get(c.request.articleId)).toBe('DRAFT');
          status.set(c.request.articleId, 'PUBLISHED');
          break;
        case 'retractArticle':
          expect(status.get(c.request.articleId)).toBe('PUBLISHED');
          status.set(c.request.articleId, 'RETRACTED');
          break;
        default: {
          const unknown: never = c;
          throw new Error(`unexpected ${JSON.stringify(unknown)}`);
        }
      }
    }
  });

  it('plans one fault per target, each in its own window between 10% and 90% of the commands', () => {
    const faults = planFaults(5, 10_000);
    expect(faults.map((f) => f.target)).toHaveLength(4);
    expect(faults.map((f) => f.target)).toEqual(
      expect.arrayContaining(['articles', 'stream-processor', 'broker']),
    );
    faults.forEach((f, i) => {
      expect(f.atCommand).toBeGreaterThanOrEqual(1_000 + i * 2_000);
      expect(f.atCommand).toBeLessThan(1_000 + (i + 1) * 2_000);
    });
  });
});

describe('the log check', () => {
  it('counts duplicate, missing and mismatched records against the store', () => {
    const events = stored(n.registered('nadia', 'Nadia'), ...n.story('a1', 1), n.drafted('a2', 2));
    const [author, drafted, published, drafted2] = events as [
      StoredEvent,
      StoredEvent,
      StoredEvent,
      StoredEvent,
    ];
    const records = [
      recordOf(author, 0),
      recordOf(drafted, 0),
      recordOf(published, 1),
      recordOf(drafted, 2), // a relay batch written twice
      recordOf(published, 3),
      recordOf(drafted2, 4, { headers: { 'global-position': '4', 'event-id': 'someone-else' } }),
    ];
    const check = checkLog(events, records, topics);
    expect(check).toMatchObject({
      records: 6,
      expected: 4,
      duplicates: 2,
      missing: 0,
      mismatched: 1,
    });
    expect(check.samples.duplicates).toEqual([2, 3]);
    expect(checkLog(events, records.slice(0, 3), topics)).toMatchObject({
      duplicates: 0,
      missing: 1,
      mismatched: 0,
    });
  });
});

describe('the stats recount', () => {
  it('counts each article once, at its first publication, in the category it has then', () => {
    const events = stored(
      n.registered('nadia', 'Nadia'),
      n.drafted('a1', 0, { category: 'politics' }),
      n.revised('a1', 10, { category: 'business' }),
      n.published('a1', 70),
      n.revised('a1', 80, { category: 'lifestyle' }),
      n.retracted('a1', 90),
      ...n.story('a2', 75, { category: 'business' }),
      n.drafted('a3', 5),
    );
    expect(Object.fromEntries(expectedCounts(events))).toEqual({
      'category:business:2026-03-01T09:00:00.000Z': 2,
      'author:nadia:2026-03-01T09:00:00.000Z': 2,
    });
  });

  it('takes the last value per key from the stats topic and rejects a value unlike its key', () => {
    const stat = (key: string, published: number, offset: number): LogRecord => {
      const [kind, id, ...hour] = key.split(':');
      const value = Buffer.from(JSON.stringify({ kind, key: id, hour: hour.join(':'), published }));
      return { topic: 's', partition: 0, offset, key, value, headers: {} };
    };
    const key = 'category:business:2026-03-01T09:00:00.000Z';
    const { values, malformed } = lastValues([
      stat(key, 1, 0),
      stat(key, 2, 1),
      { ...stat(key, 3, 2), key: 'category:politics:x' },
    ]);
    expect(values.get(key)).toBe(2);
    expect(malformed).toEqual(['0@2 category:politics:x']);
  });
});

describe('the table diff', () => {
  const table = (rows: unknown[][]): TableRows => ({
    columns: ['id', 'lastmod'],
    key: ['id'],
    rows,
  });

  it('tells rows another delivery order explains from rows it does not', () => {
    const live = table([
      ['a', 1],
      ['b', 9],
      ['d', 4],
    ]);
    const rebuilt = table([
      ['a', 2],
      ['b', 2],
      ['c', 3],
    ]);
    const otherOrder = table([
      ['a', 1],
      ['b', 2],
      ['c', 3],
    ]);
    const diff = diffTables(live, rebuilt, ['live', 'rebuilt'], [otherOrder]);
    expect(diff).toMatchObject({
      missing: 1,
      extra: 1,
      changed: 2,
      explainedByOrder: 1,
      changedColumns: { lastmod: 2 },
    });
    expect(diff.samples[0]).toBe('["a"]: lastmod live 1, rebuilt 2');
  });
});

describe('the repartition check', () => {
  const publication = (key: string, offset: number): LogRecord => ({
    topic: 'p-repartition',
    partition: 0,
    offset,
    key,
    value: Buffer.from('{}'),
    headers: {},
  });

  it('counts the keys whose committed publications differ from the recount', () => {
    const expected = new Map([
      ['category:news:h', 2],
      ['author:a:h', 1],
    ]);
    const records = [
      publication('category:news:h', 0),
      publication('category:news:h', 1),
      publication('author:a:h', 2),
      publication('author:a:h', 3),
      publication('author:b:h', 4),
    ];
    expect(checkRepartition(expected, records)).toEqual({
      keysDiffering: 2,
      publications: 5,
      samples: ['author:a:h: 2 on the topic, 1 expected', 'author:b:h: 1 on the topic, 0 expected'],
    });
    expect(checkRepartition(expected, records.slice(0, 3)).keysDiffering).toBe(0);
  });
});
