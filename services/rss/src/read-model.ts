import type { RenderedRssItem } from '@fairflax/feed-xml';
import type { Database } from '@fairflax/projections';

export interface FeedQueries {
  /** Newest first; ties broken by id, descending. */
  latest(count: number): RenderedRssItem[];
  latestIn(category: string, count: number): RenderedRssItem[];
  /** Every category a published article has ever been in. */
  categoryKnown(category: string): boolean;
}

interface ItemRow {
  item_xml: string;
  published_at: string;
}

const toItem = (row: ItemRow): RenderedRssItem => ({
  xml: row.item_xml,
  published: new Date(row.published_at),
});

export function feedQueries(db: Database): FeedQueries {
  const latest = db.prepare<[number], ItemRow>(`
    SELECT item_xml, published_at FROM rss_articles
    WHERE status = 'PUBLISHED'
    ORDER BY published_at DESC, id DESC LIMIT ?`);
  const latestIn = db.prepare<[string, number], ItemRow>(`
    SELECT item_xml, published_at FROM rss_articles
    WHERE status = 'PUBLISHED' AND category = ?
    ORDER BY published_at DESC, id DESC LIMIT ?`);
  const category = db.prepare<[string], { found: 1 }>(
    'SELECT 1 AS found FROM rss_categories WHERE name = ?',
  );
  return {
    latest: (count) => latest.all(count).map(toItem),
    latestIn: (name, count) => latestIn.all(name, count).map(toItem),
    categoryKnown: (name) => category.get(name) !== undefined,
  };
}
