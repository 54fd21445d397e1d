import {
  preparedStatements,
  type Database,
  type ProjectedEvent,
  type Projection,
} from '@fairflax/projections';
import { HISTORY_DDL, LOG_EVENT_SQL, loggedEvent } from './history.js';

/** Every change is guarded by the stream version: a repeated or late event changes nothing. */
const DDL = `
  CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    category TEXT NOT NULL,
    author_id TEXT NOT NULL,
    author_name TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('DRAFT', 'PUBLISHED', 'RETRACTED')),
    created TEXT NOT NULL,
    modified TEXT NOT NULL,
    published_at TEXT,
    version INTEGER NOT NULL,
    position INTEGER NOT NULL
  ) STRICT;

  -- The list query filters by status (and maybe category) and pages newest first: published
  -- and retracted articles by publication time, drafts by creation time. One index per shape
  -- lets SQLite walk the index in order and stop after one page, with no sort step.
  CREATE INDEX IF NOT EXISTS articles_by_status_published
    ON articles (status, published_at DESC, id DESC);
  CREATE INDEX IF NOT EXISTS articles_by_category_published
    ON articles (status, category, published_at DESC, id DESC);
  CREATE INDEX IF NOT EXISTS articles_by_status_created
    ON articles (status, created DESC, id DESC);
  CREATE INDEX IF NOT EXISTS articles_by_category_created
    ON articles (status, category, created DESC, id DESC);
  CREATE INDEX IF NOT EXISTS articles_by_author
    ON articles (author_id, status, published_at DESC, id DESC);

  -- name_since: when the author took this name. Over a partitioned transport an author's
  -- rename can arrive before an older draft of theirs; the draft then takes the newer name.
  CREATE TABLE IF NOT EXISTS authors (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    name_since TEXT NOT NULL,
    version INTEGER NOT NULL
  ) STRICT;
`;

const SQL = {
  draft: `
    INSERT INTO articles (id, title, body, category, author_id, author_name, status, created,
                          modified, published_at, version, position)
    VALUES (@articleId, @title, @body, @category, @authorId,
            coalesce((SELECT name FROM authors WHERE id = @authorId AND name_since > @at), @authorName),
            'DRAFT', @at, @at, NULL, @version, @position)
    ON CONFLICT (id) DO UPDATE SET
      title = excluded.title, body = excluded.body, category = excluded.category,
      author_id = excluded.author_id, author_name = excluded.author_name, status = 'DRAFT',
      created = excluded.created, modified = excluded.modified, published_at = NULL,
      version = excluded.version, position = excluded.position
    WHERE excluded.version > articles.version`,
  // ArticleRevised carries only the fields that changed; NULL keeps the current value.
  revise: `
    UPDATE articles SET
      title = coalesce(@title, title), body = coalesce(@body, body),
      category = coalesce(@category, category),
      modified = @at, version = @version, position = @position
    WHERE id = @articleId AND version < @version`,
  publish: `
    UPDATE articles SET status = 'PUBLISHED', published_at = @at, modified = @at,
      version = @version, position = @position
    WHERE id = @articleId AND version < @version`,
  // A retracted article keeps its publication time: it was public from then until now.
  retract: `
    UPDATE articles SET status = 'RETRACTED', modified = @at, version = @version, position = @position
    WHERE id = @articleId AND version < @version`,
  upsertAuthor: `
    INSERT INTO authors (id, name, name_since, version) VALUES (@authorId, @name, @since, @version)
    ON CONFLICT (id) DO UPDATE SET name = excluded.name, name_since = excluded.name_since,
      version = excluded.version
    WHERE excluded.version > authors.version`,
  // After upsertAuthor: only the author's latest known rename reaches the articles.
  renameOnArticles: `
    UPDATE articles SET author_name = @name
    WHERE author_id = @authorId
      AND (SELECT version FROM authors WHERE id = @authorId) = @version`,
  logEvent: LOG_EVENT_SQL,
} as const;

const statements = (db: Database) => preparedStatements(db, SQL);

export const graphProjection: Projection = {
  name: 'graph-v3',

  migrate(db) {
    db.exec(DDL);
    db.exec(HISTORY_DDL);
  },

  apply(db, projected: ProjectedEvent) {
    const { event, streamVersion: version, globalPosition: position } = projected;
    const sql = statements(db);
    // Every event, kept as applied: `events`, `Article.history` and `article(asOf)` read it.
    sql.logEvent.run({ ...loggedEvent(projected), version });
    switch (event.type) {
      case 'AuthorRegistered':
        sql.upsertAuthor.run({
          authorId: event.data.authorId,
          name: event.data.name,
          since: event.data.registeredAt,
          version,
        });
        return;
      case 'AuthorRenamed': {
        const rename = { authorId: event.data.authorId, name: event.data.name, version };
        sql.upsertAuthor.run({ ...rename, since: event.data.renamedAt });
        sql.renameOnArticles.run(rename);
        return;
      }
      case 'ArticleDrafted': {
        const { articleId, title, body, category, authorId, authorName, draftedAt } = event.data;
        sql.draft.run({
          articleId,
          title,
          body,
          category,
          authorId,
          authorName,
          at: draftedAt,
          version,
          position,
        });
        return;
      }
      case 'ArticleRevised': {
        const { articleId, title, body, category, revisedAt } = event.data;
        sql.revise.run({
          articleId,
          title: title ?? null,
          body: body ?? null,
          category: category ?? null,
          at: revisedAt,
          version,
          position,
        });
        return;
      }
      case 'ArticlePublished':
        sql.publish.run({
          articleId: event.data.articleId,
          at: event.data.publishedAt,
          version,
          position,
        });
        return;
      case 'ArticleRetracted':
        sql.retract.run({
          articleId: event.data.articleId,
          at: event.data.retractedAt,
          version,
          position,
        });
        return;
      default: {
        const unknown: never = event;
        return unknown;
      }
    }
  },
};

/** What the search index must look at again once the batch commits. */
export function touchedArticleIds(applied: readonly ProjectedEvent[]): string[] {
  const ids = new Set<string>();
  for (const { event } of applied) {
    if ('articleId' in event.data) ids.add(event.data.articleId);
  }
  return [...ids];
}
