import { decodeEvent, type ArticleEvent } from '@fairflax/events';
import type { InputRecord, StreamLogger, TaskDefinition } from '@fairflax/kafka-streams';

/**
 * Re-keyed by statistic, so each count lives on one partition. An article counts once, in its
 * category and UTC hour at publication; later revisions and retractions do not move it.
 */

export type StatKind = 'category' | 'author';

/** `key` is the category or the author id. */
export interface PublicationStat {
  kind: StatKind;
  key: string;
  hour: string;
  published: number;
}

interface Publication {
  kind: StatKind;
  key: string;
  hour: string;
}

interface ArticleFacts {
  category: string;
  authorId: string;
  /** Set once counted: a repeated ArticlePublished (a relay redelivery) is not counted again. */
  publishedAt?: string;
}

/** `category:<c>:<hour>`, `author:<id>:<hour>` */
export const statKey = (kind: StatKind, key: string, hour: string) => `${kind}:${key}:${hour}`;

export function hourOf(timestamp: string): string | undefined {
  const time = new Date(timestamp);
  if (Number.isNaN(time.getTime())) return undefined;
  time.setUTCMinutes(0, 0, 0);
  return time.toISOString();
}

export interface ArticleStatsTopics {
  articles: string;
  repartition: string;
  stats: string;
}

export function articleStatsTasks(
  topics: ArticleStatsTopics,
  logger: StreamLogger,
): TaskDefinition[] {
  return [
    {
      name: 'article-facts',
      input: topics.articles,
      outputs: [topics.repartition],
      process(record, { state, send }) {
        const event = articleEventOf(record, logger);
        if (!event) return;
        const { articleId } = event.data;
        const stored = state.get(articleId);
        const facts = stored === undefined ? undefined : (JSON.parse(stored) as ArticleFacts);
        switch (event.type) {
          case 'ArticleDrafted':
            state.put(
              articleId,
              JSON.stringify({ category: event.data.category, authorId: event.data.authorId }),
            );
            return;
          case 'ArticleRevised':
            if (facts && event.data.category !== undefined) {
              state.put(articleId, JSON.stringify({ ...facts, category: event.data.category }));
            }
            return;
          case 'ArticlePublished': {
            const hour = hourOf(event.data.publishedAt);
            if (!facts || facts.publishedAt !== undefined || !hour) {
              if (!facts || !hour)
                logger.warn(
                  { articleId, offset: record.offset, partition: record.partition },
                  'cannot count publication',
                );
              return;
            }
            state.put(articleId, JSON.stringify({ ...facts, publishedAt: event.data.publishedAt }));
            for (const publication of [
              { kind: 'category', key: facts.category, hour },
              { kind: 'author', key: facts.authorId, hour },
            ] satisfies Publication[]) {
              send(topics.repartition, {
                key: statKey(publication.kind, publication.key, hour),
                value: JSON.stringify(publication),
              });
            }
            return;
          }
          case 'ArticleRetracted':
            return;
          default: {
            const unknown: never = event;
            return unknown;
          }
        }
      },
    },
    {
      name: 'publication-counts',
      input: topics.repartition,
      outputs: [topics.stats],
      process(record, { state, send }) {
        if (!record.key || !record.value) return;
        const publication = JSON.parse(record.value.toString('utf8')) as Publication;
        const published = Number(state.get(record.key) ?? '0') + 1;
        state.put(record.key, String(published));
        const stat: PublicationStat = { ...publication, published };
        send(topics.stats, { key: record.key, value: JSON.stringify(stat) });
      },
    },
  ];
}

const ARTICLE_EVENT_TYPES: ReadonlySet<string> = new Set<ArticleEvent['type']>([
  'ArticleDrafted',
  'ArticleRevised',
  'ArticlePublished',
  'ArticleRetracted',
]);

/** Unreadable records are skipped: retrying would block the partition for good. */
function articleEventOf(record: InputRecord, logger: StreamLogger): ArticleEvent | undefined {
  const type = record.headers['event-type'];
  const schemaVersion = Number(record.headers['schema-version']);
  const where = { topic: record.topic, partition: record.partition, offset: record.offset, type };
  if (!type || !Number.isInteger(schemaVersion) || !record.value) {
    logger.warn(where, 'skipping a record without event-type, schema-version or value');
    return undefined;
  }
  if (!ARTICLE_EVENT_TYPES.has(type)) return undefined;
  try {
    return decodeEvent(type, schemaVersion, record.value) as ArticleEvent;
  } catch (err) {
    logger.warn({ ...where, err }, 'skipping an event that cannot be decoded');
    return undefined;
  }
}
