import { randomUUID } from 'node:crypto';
import Sqlite from '@fairflax/sqlite';
import type { StoredEvent } from '@fairflax/event-store';
import { articleStream, authorStream, encodeEvent, type FairflaxEvent } from '@fairflax/events';
import type { Database, Delivery, Projection } from './types.js';

/** Each call is the next batch: positions and stream versions carry on from the previous one. */
export function eventLog({ after = 0, source = 'log' } = {}): (
  events: readonly FairflaxEvent[],
) => Delivery[] {
  const versions = new Map<string, number>();
  let position = after;
  return (events) =>
    events.map((domainEvent) => {
      const streamId =
        'articleId' in domainEvent.data
          ? articleStream(domainEvent.data.articleId)
          : authorStream(domainEvent.data.authorId);
      const streamVersion = (versions.get(streamId) ?? 0) + 1;
      versions.set(streamId, streamVersion);
      position += 1;
      const encoded = encodeEvent(domainEvent);
      const event: StoredEvent = {
        eventId: randomUUID(),
        streamId,
        streamVersion,
        globalPosition: position,
        type: encoded.type,
        schemaVersion: encoded.schemaVersion,
        data: encoded.data,
        metadata: {},
        recordedAt: '2026-03-01T00:00:00.000Z',
      };
      return { source, position, event };
    });
}

/** Stream versions count from 1 within this call only: for several batches, use `eventLog()`. */
export function deliveriesOf(
  events: readonly FairflaxEvent[],
  after = 0,
  source = 'log',
): Delivery[] {
  return eventLog({ after, source })(events);
}

export const T0 = Date.parse('2026-03-01T08:00:00.000Z');

/** Tests state times as minutes after `T0`. */
export const at = (minute: number): string => new Date(T0 + minute * 60_000).toISOString();

export interface Byline {
  authorId: string;
  authorName: string;
}

/** The rest defaults from the article id and the byline. */
export type DraftFields = Partial<{
  title: string;
  body: string;
  category: string;
  authorId: string;
  authorName: string;
}>;

/** Builders with defaults, so tests state only what matters to them. */
export function newsroomEventsBy(byline: Byline) {
  const drafted = (articleId: string, minute: number, fields: DraftFields = {}): FairflaxEvent => ({
    type: 'ArticleDrafted',
    data: {
      articleId,
      title: fields.title ?? `Title of ${articleId}`,
      body: fields.body ?? `Body of ${articleId}`,
      category: fields.category ?? 'business',
      authorId: fields.authorId ?? byline.authorId,
      authorName: fields.authorName ?? byline.authorName,
      draftedAt: at(minute),
    },
  });
  const published = (articleId: string, minute: number): FairflaxEvent => ({
    type: 'ArticlePublished',
    data: { articleId, publishedAt: at(minute) },
  });
  return {
    registered: (authorId: string, name: string, minute = 0): FairflaxEvent => ({
      type: 'AuthorRegistered',
      data: { authorId, name, registeredAt: at(minute) },
    }),
    renamed: (
      authorId: string,
      name: string,
      minute: number,
      previousName = '',
    ): FairflaxEvent => ({
      type: 'AuthorRenamed',
      data: { authorId, name, previousName, renamedAt: at(minute) },
    }),
    drafted,
    revised: (
      articleId: string,
      minute: number,
      changes: { title?: string; body?: string; category?: string },
    ): FairflaxEvent => ({
      type: 'ArticleRevised',
      data: { articleId, ...changes, revisedAt: at(minute) },
    }),
    published,
    retracted: (articleId: string, minute: number): FairflaxEvent => ({
      type: 'ArticleRetracted',
      data: { articleId, reason: 'legal', retractedAt: at(minute) },
    }),
    /** Drafted and published at `minute`. */
    story: (articleId: string, minute: number, fields: DraftFields = {}): FairflaxEvent[] => [
      drafted(articleId, minute, fields),
      published(articleId, minute),
    ],
  };
}

export const newsroomEvents = newsroomEventsBy({ authorId: 'nadia', authorName: 'Nadia Rahman' });

/** `name`: the author's name, or else the event type. */
export interface JournalEntry {
  streamId: string;
  version: number;
  name: string;
}

/** A `fault` is thrown after the entry was written: the event's savepoint has to undo it. */
export function journalProjection(
  name: string,
  fault: (entry: JournalEntry) => Error | undefined,
): Projection {
  return {
    name,
    migrate: (db) =>
      db.exec(`CREATE TABLE IF NOT EXISTS journal (
        seq INTEGER PRIMARY KEY, stream_id TEXT NOT NULL, version INTEGER NOT NULL, name TEXT NOT NULL) STRICT`),
    apply: (db, { event, streamId, streamVersion }) => {
      const entry = {
        streamId,
        version: streamVersion,
        name: 'name' in event.data ? event.data.name : event.type,
      };
      db.prepare('INSERT INTO journal (stream_id, version, name) VALUES (?, ?, ?)').run(
        entry.streamId,
        entry.version,
        entry.name,
      );
      const error = fault(entry);
      if (error) throw error;
    },
  };
}

export const journalOf = (db: Database): JournalEntry[] =>
  db
    .prepare('SELECT stream_id AS streamId, version, name FROM journal ORDER BY seq')
    .all() as JournalEntry[];

export const authorRegistered = (authorId: string, name = authorId): FairflaxEvent => ({
  type: 'AuthorRegistered',
  data: { authorId, name, registeredAt: '2026-01-01T00:00:00.000Z' },
});
export const authorRenamed = (authorId: string, name: string): FairflaxEvent => ({
  type: 'AuthorRenamed',
  data: { authorId, name, previousName: '', renamedAt: '2026-01-02T00:00:00.000Z' },
});

/**
 * A read model that counts events per author: small enough to check by hand. Registering
 * `lockedOn` fails as a locked database does: not the event's fault, so the batch rolls back.
 */
export const authorsProjection = (lockedOn?: string): Projection => ({
  name: 'authors',
  migrate: (db) =>
    db.exec(
      'CREATE TABLE IF NOT EXISTS authors (id TEXT PRIMARY KEY, name TEXT, changes INTEGER) STRICT',
    ),
  apply: (db, { event }) => {
    if (event.type === 'AuthorRegistered') {
      db.prepare('INSERT INTO authors VALUES (?, ?, 1)').run(event.data.authorId, event.data.name);
      if (event.data.name === lockedOn)
        throw new Sqlite.SqliteError(`database is locked at ${lockedOn}`, 'SQLITE_BUSY');
    } else if (event.type === 'AuthorRenamed') {
      db.prepare('UPDATE authors SET name = ?, changes = changes + 1 WHERE id = ?').run(
        event.data.name,
        event.data.authorId,
      );
    }
  },
});

export const authorRows = (db: Database) =>
  db.prepare('SELECT id, name, changes FROM authors ORDER BY id').all();
