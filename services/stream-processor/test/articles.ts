import { randomUUID } from 'node:crypto';
import { toBusMessage } from '@fairflax/bus';
import { encodeEvent, type ArticleEvent } from '@fairflax/events';
import type { Producer } from 'kafkajs';

/** One step of an article's life, as the articles service would record it. */
export type Step =
  | { draft: { category: string; author: string } }
  | { revise: { category?: string; title?: string } }
  | { publish: string }
  | { retract: true };

/** `2025-03-10T<hh>:00:00.000Z`: the statistics' hour. */
export const hour = (hh: number) => `2025-03-10T${String(hh).padStart(2, '0')}:00:00.000Z`;
const at = (hhmm: string) => `2025-03-10T${hhmm}:00.000Z`;

/**
 * Before: nine articles published over two hours in four categories by three authors, with
 * revisions that move an article to another category before it is published (4, 6), one that
 * changes only the title (8), a retraction (9, still counted) and a draft left unpublished (7).
 */
export const BEFORE: Record<string, Step[]> = {
  '1': [{ draft: { category: 'business', author: 'alice' } }, { publish: at('09:05') }],
  '2': [{ draft: { category: 'business', author: 'bob' } }, { publish: at('09:40') }],
  '3': [
    { draft: { category: 'politics', author: 'alice' } },
    { publish: '2025-03-10T09:59:59.999Z' },
  ],
  '4': [
    { draft: { category: 'politics', author: 'carol' } },
    { revise: { category: 'business' } },
    { publish: at('10:00') },
  ],
  '5': [{ draft: { category: 'lifestyle', author: 'bob' } }, { publish: at('10:30') }],
  '6': [
    { draft: { category: 'environment', author: 'alice' } },
    { revise: { category: 'politics' } },
    { publish: at('10:45') },
  ],
  '7': [{ draft: { category: 'business', author: 'carol' } }],
  '8': [
    { draft: { category: 'lifestyle', author: 'carol' } },
    { revise: { title: 'Better title' } },
    { publish: at('09:15') },
  ],
  '9': [
    { draft: { category: 'politics', author: 'bob' } },
    { publish: at('10:10') },
    { retract: true },
  ],
  '10': [{ draft: { category: 'environment', author: 'alice' } }, { publish: at('09:30') }],
};

export const EXPECTED_BEFORE: Record<string, number> = {
  [`category:business:${hour(9)}`]: 2,
  [`category:politics:${hour(9)}`]: 1,
  [`category:lifestyle:${hour(9)}`]: 1,
  [`category:environment:${hour(9)}`]: 1,
  [`category:business:${hour(10)}`]: 1,
  [`category:lifestyle:${hour(10)}`]: 1,
  [`category:politics:${hour(10)}`]: 2,
  [`author:alice:${hour(9)}`]: 3,
  [`author:bob:${hour(9)}`]: 1,
  [`author:carol:${hour(9)}`]: 1,
  [`author:alice:${hour(10)}`]: 1,
  [`author:bob:${hour(10)}`]: 2,
  [`author:carol:${hour(10)}`]: 1,
};

/**
 * After: article 7 (drafted before) is moved to lifestyle and published, which only works if
 * its draft is still known; five new articles add to existing statistics and start new ones.
 */
export const AFTER: Record<string, Step[]> = {
  '7': [{ revise: { category: 'lifestyle' } }, { publish: at('10:20') }],
  '11': [{ draft: { category: 'business', author: 'alice' } }, { publish: at('09:50') }],
  '12': [
    { draft: { category: 'politics', author: 'bob' } },
    { revise: { category: 'environment' } },
    { publish: at('11:00') },
  ],
  '13': [{ draft: { category: 'lifestyle', author: 'carol' } }, { publish: at('10:05') }],
  '14': [{ draft: { category: 'politics', author: 'alice' } }, { publish: at('10:15') }],
  '15': [
    { draft: { category: 'environment', author: 'bob' } },
    { revise: { category: 'business' } },
  ],
};

export const EXPECTED_AFTER: Record<string, number> = {
  ...EXPECTED_BEFORE,
  [`category:business:${hour(9)}`]: 3,
  [`category:lifestyle:${hour(10)}`]: 3,
  [`category:politics:${hour(10)}`]: 3,
  [`category:environment:${hour(11)}`]: 1,
  [`author:alice:${hour(9)}`]: 4,
  [`author:alice:${hour(10)}`]: 2,
  [`author:carol:${hour(10)}`]: 3,
  [`author:bob:${hour(11)}`]: 1,
};

/**
 * `count` articles with ids from `firstId` on, each drafted, every third moved to another
 * category, and published (spread over categories, authors and three hours), in a fixed,
 * reproducible pattern.
 */
export function manyArticles(firstId: number, count: number): Record<string, Step[]> {
  const categories = ['business', 'politics', 'lifestyle', 'environment', 'science'];
  const authors = ['alice', 'bob', 'carol', 'dave'];
  const articles: Record<string, Step[]> = {};
  for (let n = firstId; n < firstId + count; n++) {
    const category = categories[n % categories.length] ?? 'business';
    const steps: Step[] = [{ draft: { category, author: authors[n % authors.length] ?? 'alice' } }];
    if (n % 3 === 0) steps.push({ revise: { category: categories[(n + 2) % categories.length] } });
    steps.push({
      publish: at(`${String(9 + (n % 3)).padStart(2, '0')}:${String(n % 60).padStart(2, '0')}`),
    });
    articles[String(n)] = steps;
  }
  return articles;
}

/**
 * The statistics recounted from the input, independently of the processor: each published
 * article once, in the category it had when first published, in its publication hour.
 */
export function recount(...logs: ReadonlyArray<Record<string, Step[]>>): Record<string, number> {
  const facts = new Map<string, { category: string; author: string; published: boolean }>();
  const counts: Record<string, number> = {};
  const add = (key: string) => (counts[key] = (counts[key] ?? 0) + 1);
  for (const articles of logs) {
    for (const [id, steps] of Object.entries(articles)) {
      for (const step of steps) {
        const known = facts.get(id);
        if ('draft' in step) facts.set(id, { ...step.draft, published: false });
        else if ('revise' in step && known && step.revise.category)
          known.category = step.revise.category;
        else if ('publish' in step && known && !known.published) {
          known.published = true;
          const publishedHour = `${step.publish.slice(0, 13)}:00:00.000Z`;
          add(`category:${known.category}:${publishedHour}`);
          add(`author:${known.author}:${publishedHour}`);
        }
      }
    }
  }
  return counts;
}

function eventOf(articleId: string, step: Step, time: string): ArticleEvent {
  if ('draft' in step) {
    const { category, author } = step.draft;
    const data = {
      articleId,
      title: `Article ${articleId}`,
      body: 'Body',
      category,
      authorId: author,
      authorName: author,
      draftedAt: time,
    };
    return { type: 'ArticleDrafted', data };
  }
  if ('revise' in step)
    return { type: 'ArticleRevised', data: { articleId, ...step.revise, revisedAt: time } };
  if ('publish' in step)
    return { type: 'ArticlePublished', data: { articleId, publishedAt: step.publish } };
  return {
    type: 'ArticleRetracted',
    data: { articleId, reason: 'Corrections', retractedAt: time },
  };
}

/**
 * Writes article events to a topic as the articles relay does: key `article-<id>`, protobuf
 * value, envelope headers (@fairflax/bus's toBusMessage). Keeps stream versions and global
 * positions across calls, like one event store would.
 */
export function articleLog(producer: Producer, topic: string) {
  const versions = new Map<string, number>();
  let position = 0;
  return async (articles: Record<string, Step[]>): Promise<number> => {
    const messages = Object.entries(articles).flatMap(([articleId, steps]) =>
      steps.map((step) => {
        const streamId = `article-${articleId}`;
        const streamVersion = (versions.get(streamId) ?? 0) + 1;
        versions.set(streamId, streamVersion);
        const recordedAt = 'publish' in step ? step.publish : at('08:00');
        const encoded = encodeEvent(eventOf(articleId, step, recordedAt));
        const message = toBusMessage({
          eventId: randomUUID(),
          streamId,
          streamVersion,
          globalPosition: ++position,
          type: encoded.type,
          schemaVersion: encoded.schemaVersion,
          data: encoded.data,
          metadata: {},
          recordedAt,
        });
        return {
          key: message.key,
          value: Buffer.from(message.value),
          headers: { ...message.headers },
        };
      }),
    );
    await producer.send({ topic, acks: -1, messages });
    return messages.length;
  };
}
