import { randomUUID } from 'node:crypto';
import type { StoredEvent } from '@fairflax/event-store';
import { articleStream, authorStream, encodeEvent, type FairflaxEvent } from '@fairflax/events';
import type { Database, Delivery, Projection } from './types.js';

/**
 * Test helper: a log that hands out deliveries as the embedded feed would. Each call is the next
 * batch: global positions and per-stream versions carry on from the previous call, so a
 * projection sees the same stream advance across batches, as it would in production.
 */
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

/**
 * Test helper: one batch read from `after + 1` of a fresh log. Stream versions count from 1
 * within this call only; when a test delivers several batches of one log, use `eventLog()`.
 */
export function deliveriesOf(
  events: readonly FairflaxEvent[],
  after = 0,
  source = 'log',
): Delivery[] {
  return eventLog({ after, source })(events);
}

/** The fixed instant newsroom test events are timed from: 2026-03-01T08:00:00Z, in ms. */
export const T0 = Date.parse('2026-03-01T08:00:00.000Z');

/** The ISO time `minute` minutes after `T0`; tests state times as minutes into that morning. */
export const at = (minute: number): string => new Date(T0 + minute * 60_000).toISOString();

/** Who writes an article unless a test says otherwise. */
export interface Byline {
  authorId: string;
  authorName: string;
}

/** What a test may set on a drafted article; the rest defaults from its id and the byline. */
export type DraftFields = Partial<{
  title: string;
  body: string;
  category: string;
  authorId: string;
  authorName: string;
}>;

/**
 * Small builders for author and article events, timed by `at(minute)`, with defaults so that
 * tests state only what matters to them. Drafts default to `byline`.
 */
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

/** The newsroom event builders, with articles written by Nadia Rahman (`nadia`). */
export const newsroomEvents = newsroomEventsBy({ authorId: 'nadia', authorName: 'Nadia Rahman' });

/** One event a journalProjection applied: the author's name, or else the event type. */
export interface JournalEntry {
  streamId: string;
  version: number;
  name: string;
}

/**
 * Test helper: a read model that journals every event it applies, in order. When `fault`
 * returns an error for an entry, it is thrown after the entry was written: the event's
 * savepoint has to undo that write.
 */
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

/** What a journalProjection applied, in the order it applied it. */
export const journalOf = (db: Database): JournalEntry[] =>
  db
    .prepare('SELECT stream_id AS streamId, version, name FROM journal ORDER BY seq')
    .all() as JournalEntry[];

/** Test helpers: the two author events, with fixed timestamps. */
export const authorRegistered = (authorId: string, name = authorId): FairflaxEvent => ({
  type: 'AuthorRegistered',
  data: { authorId, name, registeredAt: '2026-01-01T00:00:00.000Z' },
});
export const authorRenamed = (authorId: string, name: string): FairflaxEvent => ({
  type: 'AuthorRenamed',
  data: { authorId, name, previousName: '', renamedAt: '2026-01-02T00:00:00.000Z' },
});
