import type { FairflaxEvent } from '@fairflax/events';
import { articleStream, authorStream } from '@fairflax/events';
import type { Database, ProjectedEvent } from '@fairflax/projections';
import type { ArticleView } from './read-model.js';

/** One event of the articles log as graph applied it; `payload` is its data as JSON text. */
export interface LoggedEvent {
  position: number;
  type: string;
  stream: string;
  recordedAt: string;
  payload: string;
}

/** The position is the key: a redelivered or replayed event is stored once. */
export const HISTORY_DDL = `
  CREATE TABLE IF NOT EXISTS logged_events (
    position INTEGER PRIMARY KEY,
    stream TEXT NOT NULL,
    version INTEGER NOT NULL,
    type TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    payload TEXT NOT NULL
  ) STRICT;
  CREATE INDEX IF NOT EXISTS logged_events_by_stream ON logged_events (stream, position);
  CREATE INDEX IF NOT EXISTS logged_events_by_type ON logged_events (type, position);
`;

export const LOG_EVENT_SQL = `
  INSERT OR IGNORE INTO logged_events (position, stream, version, type, recorded_at, payload)
  VALUES (@position, @stream, @version, @type, @recordedAt, @payload)`;

export function loggedEvent(projected: ProjectedEvent): LoggedEvent {
  return {
    position: projected.globalPosition,
    type: projected.event.type,
    stream: projected.streamId,
    recordedAt: projected.recordedAt,
    payload: JSON.stringify(projected.event.data),
  };
}

export interface EventsRequest {
  first: number;
  before?: number;
  type?: string;
  stream?: string;
}

export interface HistoryRequest {
  first: number;
  after: number;
  /** Leave out events past this position (an article seen as of then). */
  upTo: number;
}

interface LoggedRow extends LoggedEvent {
  version: number;
}

const COLUMNS = 'position, type, stream, recorded_at AS recordedAt, payload';

/** One `article(id, asOf)` folds at most this many events: its cost is bounded per query. */
export const MAX_FOLDED_EVENTS = 10_000;

export class HistoryTooLong extends Error {}
const NO_LIMIT = Number.MAX_SAFE_INTEGER;

/** Reads of `logged_events`, the table the projection fills in each batch's transaction. */
export class EventHistory {
  private readonly newest;
  private readonly streamsPage;
  private readonly streamUpTo;
  private readonly lastRename;

  /** The projection has created the table. */
  constructor(db: Database) {
    // One statement per filter shape, each walking its own index newest first: a filter that
    // matches little must not scan the whole log.
    const newest = (where: string) =>
      db.prepare<{ before: number; type?: string; stream?: string; limit: number }, LoggedEvent>(
        `SELECT ${COLUMNS} FROM logged_events WHERE position < @before${where}
         ORDER BY position DESC LIMIT @limit`,
      );
    this.newest = {
      all: newest(''),
      type: newest(' AND type = @type'),
      stream: newest(' AND stream = @stream'),
      both: newest(' AND stream = @stream AND type = @type'),
    };
    this.streamsPage = db.prepare<
      { streams: string; after: number; upTo: number; limit: number },
      LoggedEvent
    >(`
      SELECT ${COLUMNS} FROM (
        SELECT *, row_number() OVER (PARTITION BY stream ORDER BY position) AS rank
        FROM logged_events
        WHERE stream IN (SELECT value FROM json_each(@streams))
          AND position > @after AND position <= @upTo
      ) WHERE rank <= @limit
      ORDER BY stream, position`);
    this.streamUpTo = db.prepare<[string, number], LoggedRow>(
      `SELECT ${COLUMNS}, version FROM logged_events
       WHERE stream = ? AND position <= ? ORDER BY position LIMIT ${MAX_FOLDED_EVENTS + 1}`,
    );
    this.lastRename = db.prepare<[string, number, number], { payload: string }>(
      `SELECT payload FROM logged_events
       WHERE stream = ? AND type = 'AuthorRenamed' AND position > ? AND position <= ?
       ORDER BY position DESC LIMIT 1`,
    );
  }

  /** Newest first. */
  events({ first, before, type, stream }: EventsRequest): LoggedEvent[] {
    const shape =
      type === undefined
        ? stream === undefined
          ? this.newest.all
          : this.newest.stream
        : stream === undefined
          ? this.newest.type
          : this.newest.both;
    return shape.all({
      before: before ?? NO_LIMIT,
      limit: first,
      ...(type !== undefined && { type }),
      ...(stream !== undefined && { stream }),
    });
  }

  /** Oldest first per article, in one query for all of them. */
  articleHistories(articleIds: readonly string[], request: HistoryRequest) {
    const byStream = new Map<string, LoggedEvent[]>(
      articleIds.map((id) => [articleStream(id), []]),
    );
    const rows = this.streamsPage.all({
      streams: JSON.stringify([...byStream.keys()]),
      after: request.after,
      upTo: request.upTo,
      limit: request.first,
    });
    for (const row of rows) byStream.get(row.stream)?.push(row);
    return new Map(articleIds.map((id) => [id, byStream.get(articleStream(id)) ?? []]));
  }

  /** The article once events up to `position` were applied; undefined before it was drafted. */
  articleAsOf(articleId: string, position: number): ArticleView | undefined {
    let article: ArticleView | undefined;
    let draftedAt = 0;
    const rows = this.streamUpTo.all(articleStream(articleId), position);
    if (rows.length > MAX_FOLDED_EVENTS) {
      throw new HistoryTooLong(
        `article ${articleId} has more than ${MAX_FOLDED_EVENTS} events up to position ${position}`,
      );
    }
    for (const row of rows) {
      const event = { type: row.type, data: JSON.parse(row.payload) as unknown } as FairflaxEvent;
      if (event.type === 'ArticleDrafted') draftedAt = row.position;
      article = evolve(article, event, row.version);
    }
    if (!article) return undefined;
    // A rename after the draft reached the article, as the projection's renameOnArticles does.
    const rename = this.lastRename.get(authorStream(article.authorId), draftedAt, position);
    const renamed = rename && (JSON.parse(rename.payload) as { name: string }).name;
    return { ...article, ...(renamed && { authorName: renamed }), asOf: position };
  }
}

/** The projection's article columns, folded in memory from the article's own events. */
export function evolve(
  article: ArticleView | undefined,
  event: FairflaxEvent,
  version: number,
): ArticleView | undefined {
  switch (event.type) {
    case 'ArticleDrafted': {
      const { articleId, title, body, category, authorId, authorName, draftedAt } = event.data;
      return {
        id: articleId,
        title,
        body,
        category,
        authorId,
        authorName,
        status: 'DRAFT',
        created: draftedAt,
        modified: draftedAt,
        publishedAt: null,
        version,
      };
    }
    case 'ArticleRevised': {
      if (!article) return article;
      const { title, body, category, revisedAt } = event.data;
      return {
        ...article,
        title: title ?? article.title,
        body: body ?? article.body,
        category: category ?? article.category,
        modified: revisedAt,
        version,
      };
    }
    case 'ArticlePublished':
      return (
        article && {
          ...article,
          status: 'PUBLISHED',
          publishedAt: event.data.publishedAt,
          modified: event.data.publishedAt,
          version,
        }
      );
    case 'ArticleRetracted':
      return (
        article && { ...article, status: 'RETRACTED', modified: event.data.retractedAt, version }
      );
    case 'AuthorRegistered':
    case 'AuthorRenamed':
      return article;
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}
