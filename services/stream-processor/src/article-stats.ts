import { decodeEvent, type ArticleEvent } from '@fairflax/events';
import type { InputRecord, StreamLogger, TaskDefinition } from '@fairflax/kafka-streams';

/**
 * Published articles per category per hour and per author per hour, in two tasks:
 *
 * 1. `article-facts` reads the `article` topic (keyed by stream id, so an article's events stay
 *    in order on one partition) and keeps, per article id, the category and author the article
 *    has so far. On ArticlePublished it sends one record per statistic to a repartition topic,
 *    keyed by the statistic, so that every count lives on exactly one partition.
 * 2. `publication-counts` reads the repartition topic, counts per key, and writes the current
 *    count to the compacted stats topic: the last record per key is the statistic.
 *
 * An article counts once, in the category it had when it was published and in the hour of
 * `publishedAt` (UTC). Later revisions and retractions do not move or remove it.
 */

export type StatKind = 'category' | 'author';

/** A value of the stats topic (JSON). `key` is the category or the author id. */
export interface PublicationStat {
  kind: StatKind;
  key: string;
  hour: string;
  published: number;
}

/** What the repartition topic carries: one publication to count under one statistic. */
interface Publication {
  kind: StatKind;
  key: string;
  hour: string;
}

/** Stage 1 state, per article id. */
interface ArticleFacts {
  category: string;
  authorId: string;
  /** Set once counted: a repeated ArticlePublished (a relay redelivery) is not counted again. */
  publishedAt?: string;
}

/** The key of a statistic on the repartition and stats topics: `category:<c>:<hour>`, `author:<id>:<hour>`. */
export const statKey = (kind: StatKind, key: string, hour: string) => `${kind}:${key}:${hour}`;

/** `publishedAt` truncated to the hour, as an ISO timestamp (`2025-03-10T09:00:00.000Z`); undefined if unreadable. */
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

/**
 * The article event a record of the `article` topic carries (see @fairflax/bus's envelope:
 * protobuf bytes, type and schema version in headers). Records that are not article events,
 * or cannot be read, are logged and skipped: retrying would block the partition for good.
 */
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
