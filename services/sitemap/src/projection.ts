import {
  preparedStatements,
  type Database,
  type ProjectedEvent,
  type Projection,
} from '@fairflax/projections';

/**
 * `lastmod` (any change to the page, renames too) only moves forward, so stream order does not
 * matter; the latest rename per author is kept for drafts that arrive after it (Kafka).
 */
const DDL = `
  CREATE TABLE IF NOT EXISTS sitemap_articles (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    author_id TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('DRAFT', 'PUBLISHED', 'RETRACTED')),
    published_at TEXT,
    lastmod TEXT NOT NULL,
    version INTEGER NOT NULL,
    CHECK (status <> 'PUBLISHED' OR published_at IS NOT NULL)
  ) STRICT;

  -- Both sitemaps list newest first; the news sitemap also stops at its time window.
  CREATE INDEX IF NOT EXISTS sitemap_articles_published
    ON sitemap_articles (status, published_at DESC, id DESC);
  CREATE INDEX IF NOT EXISTS sitemap_articles_by_author ON sitemap_articles (author_id);

  CREATE TABLE IF NOT EXISTS sitemap_authors (
    id TEXT PRIMARY KEY,
    renamed_at TEXT NOT NULL
  ) STRICT;
`;

const SQL = {
  draft: `
    INSERT INTO sitemap_articles (id, title, author_id, status, published_at, lastmod, version)
    VALUES (@articleId, @title, @authorId, 'DRAFT', NULL,
            max(@at, coalesce((SELECT renamed_at FROM sitemap_authors WHERE id = @authorId), '')),
            @version)
    ON CONFLICT (id) DO UPDATE SET
      title = excluded.title, author_id = excluded.author_id, status = 'DRAFT',
      published_at = NULL, lastmod = excluded.lastmod, version = excluded.version
    WHERE excluded.version > sitemap_articles.version`,
  // ArticleRevised carries only the fields that changed; any change changes the page.
  revise: `
    UPDATE sitemap_articles SET title = coalesce(@title, title), lastmod = max(lastmod, @at),
      version = @version
    WHERE id = @articleId AND version < @version`,
  publish: `
    UPDATE sitemap_articles SET status = 'PUBLISHED', published_at = @at,
      lastmod = max(lastmod, @at, coalesce((SELECT renamed_at FROM sitemap_authors
                                   WHERE sitemap_authors.id = sitemap_articles.author_id), '')),
      version = @version
    WHERE id = @articleId AND version < @version`,
  retract: `
    UPDATE sitemap_articles SET status = 'RETRACTED', lastmod = max(lastmod, @at), version = @version
    WHERE id = @articleId AND version < @version`,
  rememberRename: `
    INSERT INTO sitemap_authors (id, renamed_at) VALUES (@authorId, @at)
    ON CONFLICT (id) DO UPDATE SET renamed_at = max(renamed_at, excluded.renamed_at)`,
  renameOnArticles:
    'UPDATE sitemap_articles SET lastmod = max(lastmod, @at) WHERE author_id = @authorId',
} as const;

const statements = (db: Database) => preparedStatements(db, SQL);

/** One width, `Z`: text order is time order, for the index, `max` and the news window. */
const utc = (timestamp: string) => new Date(timestamp).toISOString();

export const sitemapProjection: Projection = {
  name: 'sitemap-v1',

  migrate(db) {
    db.exec(DDL);
  },

  apply(db, { event, streamVersion: version }: ProjectedEvent) {
    const sql = statements(db);
    switch (event.type) {
      case 'AuthorRegistered':
        // A name given at registration is on no page yet.
        return;
      case 'AuthorRenamed': {
        const rename = { authorId: event.data.authorId, at: utc(event.data.renamedAt) };
        sql.rememberRename.run(rename);
        sql.renameOnArticles.run(rename);
        return;
      }
      case 'ArticleDrafted': {
        const { articleId, title, authorId, draftedAt } = event.data;
        sql.draft.run({ articleId, title, authorId, at: utc(draftedAt), version });
        return;
      }
      case 'ArticleRevised': {
        const { articleId, title, revisedAt } = event.data;
        sql.revise.run({ articleId, title: title ?? null, at: utc(revisedAt), version });
        return;
      }
      case 'ArticlePublished':
        sql.publish.run({
          articleId: event.data.articleId,
          at: utc(event.data.publishedAt),
          version,
        });
        return;
      case 'ArticleRetracted':
        sql.retract.run({
          articleId: event.data.articleId,
          at: utc(event.data.retractedAt),
          version,
        });
        return;
      default: {
        const unknown: never = event;
        return unknown;
      }
    }
  },
};
