import type { Database } from '@fairflax/projections';

export interface SitemapEntry {
  articleId: string;
  title: string;
  published: Date;
  lastModified: Date;
}

export interface SitemapQueries {
  /** Newest first; ties broken by id, descending. */
  published(limit: number): SitemapEntry[];
  /** Newest first. */
  publishedSince(since: Date, limit: number): SitemapEntry[];
  countPublished(): number;
}

interface EntryRow {
  id: string;
  title: string;
  published_at: string;
  lastmod: string;
}

const toEntry = (row: EntryRow): SitemapEntry => ({
  articleId: row.id,
  title: row.title,
  published: new Date(row.published_at),
  lastModified: new Date(row.lastmod),
});

export function sitemapQueries(db: Database): SitemapQueries {
  const published = db.prepare<[number], EntryRow>(`
    SELECT id, title, published_at, lastmod FROM sitemap_articles
    WHERE status = 'PUBLISHED'
    ORDER BY published_at DESC, id DESC LIMIT ?`);
  const publishedSince = db.prepare<[string, number], EntryRow>(`
    SELECT id, title, published_at, lastmod FROM sitemap_articles
    WHERE status = 'PUBLISHED' AND published_at >= ?
    ORDER BY published_at DESC, id DESC LIMIT ?`);
  const count = db.prepare<[], { n: number }>(
    `SELECT count(*) AS n FROM sitemap_articles WHERE status = 'PUBLISHED'`,
  );
  return {
    published: (limit) => published.all(limit).map(toEntry),
    // Stored times are UTC ISO strings, so comparing text compares times.
    publishedSince: (since, limit) => publishedSince.all(since.toISOString(), limit).map(toEntry),
    countPublished: () => count.get()?.n ?? 0,
  };
}
