import type { StoredEvent } from '@fairflax/event-store';
import { articleStream, authorStream, encodeEvent, type FairflaxEvent } from '@fairflax/events';
import { seededRandom, TextSource } from './text.js';

export const CATEGORIES = [
  'business',
  'politics',
  'lifestyle',
  'environment',
  'science',
  'sport',
  'culture',
  'technology',
] as const;

export interface NewsroomLog {
  events: StoredEvent[];
  counts: {
    authors: number;
    renames: number;
    articles: number;
    revisions: number;
    published: number;
    retracted: number;
  };
}

interface OpenArticle {
  id: string;
  status: 'DRAFT' | 'PUBLISHED';
  revisionsBeforePublish: number;
}

const START = Date.UTC(2026, 0, 1);
const SECONDS_BETWEEN_EVENTS = 20;
const OPEN_ARTICLES = 40;

/** Deterministic per seed; events are ~300-400 bytes, like the append figures'. */
export function generateNewsroomLog(total: number, seed = 7): NewsroomLog {
  const random = seededRandom(seed);
  const text = new TextSource(random);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const counts = { authors: 0, renames: 0, articles: 0, revisions: 0, published: 0, retracted: 0 };
  const versions = new Map<string, number>();
  const authors: { id: string; name: string }[] = [];
  const open: OpenArticle[] = [];
  const events: StoredEvent[] = [];

  const emit = (streamId: string, event: FairflaxEvent) => {
    const version = (versions.get(streamId) ?? 0) + 1;
    versions.set(streamId, version);
    const position = events.length + 1;
    events.push({
      ...encodeEvent(event),
      eventId: `bench-event-${position}`,
      metadata: {},
      streamId,
      streamVersion: version,
      globalPosition: position,
      recordedAt: new Date(START + position * SECONDS_BETWEEN_EVENTS * 1000).toISOString(),
    });
  };
  const now = () =>
    new Date(START + (events.length + 1) * SECONDS_BETWEEN_EVENTS * 1000).toISOString();
  const personName = () => `${text.title(6).split(' ')[0]} ${text.title(8).split(' ')[0]}`;

  while (events.length < total) {
    const r = random();
    if (authors.length < 4 || r < 0.003) {
      const author = { id: `author-${authors.length + 1}`, name: personName() };
      authors.push(author);
      counts.authors++;
      emit(authorStream(author.id), {
        type: 'AuthorRegistered',
        data: { authorId: author.id, name: author.name, registeredAt: now() },
      });
    } else if (r < 0.0045) {
      const author = pick(authors);
      const previousName = author.name;
      author.name = personName();
      counts.renames++;
      emit(authorStream(author.id), {
        type: 'AuthorRenamed',
        data: { authorId: author.id, name: author.name, previousName, renamedAt: now() },
      });
    } else if (open.length < OPEN_ARTICLES) {
      const author = pick(authors);
      const id = `article-${counts.articles + 1}`;
      counts.articles++;
      open.push({ id, status: 'DRAFT', revisionsBeforePublish: Math.floor(random() * 3) });
      emit(articleStream(id), {
        type: 'ArticleDrafted',
        data: {
          articleId: id,
          title: text.title(60),
          body: text.text(220),
          category: pick(CATEGORIES),
          authorId: author.id,
          authorName: author.name,
          draftedAt: now(),
        },
      });
    } else {
      const index = Math.floor(random() * open.length);
      const article = open[index]!;
      const close = () => open.splice(index, 1);
      const s = random();
      if (article.status === 'DRAFT' && article.revisionsBeforePublish > 0) {
        article.revisionsBeforePublish--;
        counts.revisions++;
        const change = s < 0.7 ? { body: text.text(300) } : { title: text.title(60) };
        emit(articleStream(article.id), {
          type: 'ArticleRevised',
          data: { articleId: article.id, ...change, revisedAt: now() },
        });
      } else if (article.status === 'DRAFT' && s < 0.12) {
        close(); // abandoned draft: stays a draft forever
      } else if (article.status === 'DRAFT') {
        article.status = 'PUBLISHED';
        counts.published++;
        emit(articleStream(article.id), {
          type: 'ArticlePublished',
          data: { articleId: article.id, publishedAt: now() },
        });
      } else if (s < 0.03) {
        close();
        counts.retracted++;
        emit(articleStream(article.id), {
          type: 'ArticleRetracted',
          data: {
            articleId: article.id,
            reason: 'The story could not be verified.',
            retractedAt: now(),
          },
        });
      } else if (s < 0.15) {
        counts.revisions++;
        emit(articleStream(article.id), {
          type: 'ArticleRevised',
          data: { articleId: article.id, body: text.text(300), revisedAt: now() },
        });
      } else {
        close(); // published and done
      }
    }
  }
  return { events, counts };
}
