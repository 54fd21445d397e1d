import { encodeEvent, type ArticleEvent } from '@fairflax/events';
import type {
  InputRecord,
  OutputRecord,
  ProcessorContext,
  TaskDefinition,
} from '@fairflax/kafka-streams';
import { describe, expect, it } from 'vitest';
import { articleStatsTasks, hourOf } from './article-stats.js';

const topics = { articles: 'article', repartition: 'publications', stats: 'article-stats' };
const warnings: string[] = [];
const logger = {
  debug() {},
  info() {},
  warn: (_: object, message: string) => void warnings.push(message),
  error() {},
};
const [facts, counts] = articleStatsTasks(topics, logger) as [TaskDefinition, TaskDefinition];

/** Runs a task's processor over records against an in-memory state, collecting what it sends. */
function harness(task: TaskDefinition) {
  const state = new Map<string, string>();
  const sent: Array<{ topic: string; record: OutputRecord }> = [];
  const context: ProcessorContext = {
    partition: 0,
    state: {
      get: (k) => state.get(k),
      put: (k, v) => void state.set(k, v),
      delete: (k) => void state.delete(k),
    },
    send: (topic, record) => void sent.push({ topic, record }),
  };
  let offset = 0;
  const feed = (key: string | null, value: Buffer | null, headers: Record<string, string>) => {
    const record: InputRecord = {
      topic: 'in',
      partition: 0,
      offset: offset++,
      key,
      value,
      headers,
      timestamp: '0',
    };
    task.process(record, context);
  };
  return { state, sent, feed };
}

const articleRecord = (event: ArticleEvent) => {
  const encoded = encodeEvent(event);
  return [
    Buffer.from(encoded.data),
    { 'event-type': encoded.type, 'schema-version': String(encoded.schemaVersion) },
  ] as const;
};
const drafted = (articleId: string, category: string, authorId: string): ArticleEvent => ({
  type: 'ArticleDrafted',
  data: {
    articleId,
    title: 't',
    body: 'b',
    category,
    authorId,
    authorName: 'n',
    draftedAt: '2025-03-10T08:00:00.000Z',
  },
});
const revised = (articleId: string, category?: string): ArticleEvent => ({
  type: 'ArticleRevised',
  data: {
    articleId,
    revisedAt: '2025-03-10T08:30:00.000Z',
    ...(category ? { category } : { title: 'new title' }),
  },
});
const published = (articleId: string, publishedAt: string): ArticleEvent => ({
  type: 'ArticlePublished',
  data: { articleId, publishedAt },
});

describe('article-facts', () => {
  it('truncates publishedAt to the UTC hour and rejects unreadable timestamps', () => {
    expect(hourOf('2025-03-10T09:59:59.999Z')).toBe('2025-03-10T09:00:00.000Z');
    expect(hourOf('2025-03-10T11:30:00+02:00')).toBe('2025-03-10T09:00:00.000Z');
    expect(hourOf('yesterday')).toBeUndefined();
  });

  it('counts a publication under the category the article had when published, once, even if the event repeats', () => {
    const { sent, feed } = harness(facts);
    for (const event of [
      drafted('1', 'politics', 'alice'),
      revised('1', 'business'),
      revised('1'),
      published('1', '2025-03-10T09:05:00.000Z'),
      published('1', '2025-03-10T09:05:00.000Z'),
      revised('1', 'lifestyle'),
    ]) {
      feed('article-1', ...articleRecord(event));
    }
    expect(sent).toEqual([
      {
        topic: 'publications',
        record: {
          key: 'category:business:2025-03-10T09:00:00.000Z',
          value: JSON.stringify({
            kind: 'category',
            key: 'business',
            hour: '2025-03-10T09:00:00.000Z',
          }),
        },
      },
      {
        topic: 'publications',
        record: {
          key: 'author:alice:2025-03-10T09:00:00.000Z',
          value: JSON.stringify({ kind: 'author', key: 'alice', hour: '2025-03-10T09:00:00.000Z' }),
        },
      },
    ]);
  });

  it('skips records it cannot read, and publications of articles it never saw drafted', () => {
    warnings.length = 0;
    const { sent, state, feed } = harness(facts);
    feed('article-2', Buffer.from('x'), {});
    feed('article-2', Buffer.from([0xff, 0xff]), {
      'event-type': 'ArticleDrafted',
      'schema-version': '2',
    });
    feed('author-1', Buffer.from('x'), { 'event-type': 'AuthorRenamed', 'schema-version': '1' });
    feed('article-2', ...articleRecord(published('2', '2025-03-10T09:05:00.000Z')));
    expect({ sent: sent.length, keys: state.size }).toEqual({ sent: 0, keys: 0 });
    expect(warnings).toEqual([
      'skipping a record without event-type, schema-version or value',
      'skipping an event that cannot be decoded',
      'cannot count publication',
    ]);
  });
});

describe('publication-counts', () => {
  it('emits the running count per statistic key', () => {
    const { sent, feed } = harness(counts);
    const hour = '2025-03-10T09:00:00.000Z';
    const publication = (kind: string, key: string) =>
      Buffer.from(JSON.stringify({ kind, key, hour }));
    feed(`category:business:${hour}`, publication('category', 'business'), {});
    feed(`author:alice:${hour}`, publication('author', 'alice'), {});
    feed(`category:business:${hour}`, publication('category', 'business'), {});
    expect(
      sent.map(({ topic, record }) => [topic, record.key, JSON.parse(String(record.value))]),
    ).toEqual([
      [
        'article-stats',
        `category:business:${hour}`,
        { kind: 'category', key: 'business', hour, published: 1 },
      ],
      [
        'article-stats',
        `author:alice:${hour}`,
        { kind: 'author', key: 'alice', hour, published: 1 },
      ],
      [
        'article-stats',
        `category:business:${hour}`,
        { kind: 'category', key: 'business', hour, published: 2 },
      ],
    ]);
  });
});
