import type { StoredEvent } from '@fairflax/event-store';
import { decodeEvent } from '@fairflax/events';
import Database from '@fairflax/sqlite';
import type { LogRecord } from './kafka.js';
import type { StatDifference, StatsCheck } from './types.js';

/**
 * The rules of the stream processor's article-stats, rewritten so the oracle shares no code with
 * it: an article counts once, at first publication, in its category then, in `publishedAt`'s hour.
 */
export function expectedCounts(events: readonly StoredEvent[]): Map<string, number> {
  const facts = new Map<string, { category: string; authorId: string; counted: boolean }>();
  const counts = new Map<string, number>();
  const count = (key: string) => counts.set(key, (counts.get(key) ?? 0) + 1);
  for (const stored of events) {
    if (!stored.streamId.startsWith('article-')) continue;
    const event = decodeEvent(stored.type, stored.schemaVersion, stored.data);
    switch (event.type) {
      case 'ArticleDrafted':
        facts.set(event.data.articleId, {
          category: event.data.category,
          authorId: event.data.authorId,
          counted: false,
        });
        break;
      case 'ArticleRevised': {
        const article = facts.get(event.data.articleId);
        if (article && event.data.category !== undefined) article.category = event.data.category;
        break;
      }
      case 'ArticlePublished': {
        const article = facts.get(event.data.articleId);
        const time = new Date(event.data.publishedAt);
        if (!article || article.counted || Number.isNaN(time.getTime())) break;
        article.counted = true;
        time.setUTCMinutes(0, 0, 0);
        const hour = time.toISOString();
        count(`category:${article.category}:${hour}`);
        count(`author:${article.authorId}:${hour}`);
        break;
      }
      case 'ArticleRetracted':
      case 'AuthorRegistered':
      case 'AuthorRenamed':
        break;
      default: {
        const unknown: never = event;
        throw new Error(`unknown event ${JSON.stringify(unknown)}`);
      }
    }
  }
  return counts;
}

/** The stats topic as a table: the last value per key, in each partition's offset order. */
export function lastValues(records: readonly LogRecord[]): {
  values: Map<string, number>;
  malformed: string[];
} {
  const values = new Map<string, number>();
  const malformed: string[] = [];
  for (const record of records) {
    if (record.key === null) continue;
    if (record.value === null) {
      values.delete(record.key); // a tombstone
      continue;
    }
    try {
      const stat = JSON.parse(record.value.toString('utf8')) as {
        kind?: string;
        key?: string;
        hour?: string;
        published?: number;
      };
      if (
        `${stat.kind}:${stat.key}:${stat.hour}` !== record.key ||
        !Number.isSafeInteger(stat.published)
      )
        throw new Error('mismatch');
      values.set(record.key, stat.published!);
    } catch {
      malformed.push(`${record.partition}@${record.offset} ${record.key}`);
    }
  }
  return { values, malformed };
}

function graphStats(graphDbPath: string): Map<string, number> {
  const db = new Database(graphDbPath, { readonly: true, fileMustExist: true });
  try {
    const exists = db
      .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'article_stats'")
      .get();
    if (!exists) return new Map();
    const rows = db
      .prepare<[], { kind: string; key: string; hour: string; published: number }>(
        'SELECT kind, key, hour, published FROM article_stats',
      )
      .all();
    return new Map(rows.map((r) => [`${r.kind}:${r.key}:${r.hour}`, r.published]));
  } finally {
    db.close();
  }
}

export function checkRepartition(
  expected: ReadonlyMap<string, number>,
  repartitionRecords: readonly LogRecord[],
): StatsCheck['repartition'] {
  const published = new Map<string, number>();
  for (const r of repartitionRecords)
    if (r.key !== null) published.set(r.key, (published.get(r.key) ?? 0) + 1);
  const samples: string[] = [];
  let keysDiffering = 0;
  for (const key of [...new Set([...expected.keys(), ...published.keys()])].sort()) {
    const [want, got] = [expected.get(key) ?? 0, published.get(key) ?? 0];
    if (want === got) continue;
    keysDiffering++;
    if (samples.length < 5) samples.push(`${key}: ${got} on the topic, ${want} expected`);
  }
  return { keysDiffering, publications: repartitionRecords.length, samples };
}

export function checkStats(
  topic: string,
  events: readonly StoredEvent[],
  statsRecords: readonly LogRecord[],
  graphDbPath: string,
  repartitionRecords: readonly LogRecord[] = [],
): StatsCheck {
  const expected = expectedCounts(events);
  const { values: actual, malformed } = lastValues(statsRecords);
  const overcounted: StatDifference[] = [];
  const undercounted: StatDifference[] = [];
  for (const key of [...new Set([...expected.keys(), ...actual.keys()])].sort()) {
    const difference = { key, expected: expected.get(key) ?? 0, actual: actual.get(key) ?? 0 };
    if (difference.actual > difference.expected) overcounted.push(difference);
    if (difference.actual < difference.expected) undercounted.push(difference);
  }
  const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);

  const graph = graphStats(graphDbPath);
  const samples: string[] = malformed.map((m) => `malformed stats record ${m}`).slice(0, 5);
  let differing = 0;
  for (const key of new Set([...graph.keys(), ...actual.keys()])) {
    if (graph.get(key) === actual.get(key)) continue;
    differing++;
    if (samples.length < 5)
      samples.push(
        `${key}: graph ${graph.get(key) ?? 'absent'}, topic ${actual.get(key) ?? 'absent'}`,
      );
  }
  return {
    topic,
    keys: { expected: expected.size, actual: actual.size },
    published: { expected: sum(expected), actual: sum(actual) },
    overcounted,
    undercounted,
    totalDifference: sum(actual) - sum(expected),
    graphView: { keys: graph.size, differing, samples },
    repartition: checkRepartition(expected, repartitionRecords),
    equal: overcounted.length === 0 && undercounted.length === 0 && malformed.length === 0,
  };
}
