import { articleLink, encodeArticleId, renderRssItem } from '@fairflax/feed-xml';
import {
  preparedStatements,
  type Database,
  type ProjectedEvent,
  type Projection,
} from '@fairflax/projections';

/**
 * Stored items make a feed one query and a join. A rename may arrive before an older draft
 * (Kafka), so only a newer name replaces an article's; statements are guarded by the version.
 */
const DDL = `
  CREATE TABLE IF NOT EXISTS rss_articles (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    category TEXT NOT NULL,
    author_id TEXT NOT NULL,
    author_name TEXT NOT NULL,
    author_named_at TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('DRAFT', 'PUBLISHED', 'RETRACTED')),
    published_at TEXT,
    item_xml TEXT,
    version INTEGER NOT NULL,
    CHECK ((status = 'PUBLISHED') = (item_xml IS NOT NULL AND published_at IS NOT NULL))
  ) STRICT;

  -- Both feeds read newest first and stop after one page: these indexes give that order.
  CREATE INDEX IF NOT EXISTS rss_articles_feed
    ON rss_articles (status, published_at DESC, id DESC);
  CREATE INDEX IF NOT EXISTS rss_articles_category_feed
    ON rss_articles (status, category, published_at DESC, id DESC);
  CREATE INDEX IF NOT EXISTS rss_articles_by_author ON rss_articles (author_id);

  -- Every category a published article has been in. A feed URL that once worked keeps
  -- answering (possibly with no items) after its last article is retracted or moved; drafts
  -- do not count, so a 200 never reveals the category of an unpublished article.
  CREATE TABLE IF NOT EXISTS rss_categories (
    name TEXT PRIMARY KEY
  ) STRICT;

  -- The newest name known per author, for drafts that arrive after a rename.
  CREATE TABLE IF NOT EXISTS rss_authors (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    named_at TEXT NOT NULL
  ) STRICT;

  CREATE TABLE IF NOT EXISTS rss_settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
  ) STRICT;
`;

const SQL = {
  // A name newer than the draft's (a rename that arrived first) wins over the one it carries.
  draft: `
    INSERT INTO rss_articles (id, title, body, category, author_id, author_name, author_named_at,
                              status, published_at, item_xml, version)
    VALUES (@articleId, @title, @body, @category, @authorId,
            coalesce((SELECT name FROM rss_authors WHERE id = @authorId AND named_at > @at), @authorName),
            coalesce((SELECT named_at FROM rss_authors WHERE id = @authorId AND named_at > @at), @at),
            'DRAFT', NULL, NULL, @version)
    ON CONFLICT (id) DO UPDATE SET
      title = excluded.title, body = excluded.body, category = excluded.category,
      author_id = excluded.author_id, author_name = excluded.author_name,
      author_named_at = excluded.author_named_at, status = 'DRAFT', published_at = NULL,
      item_xml = NULL, version = excluded.version
    WHERE excluded.version > rss_articles.version`,
  // ArticleRevised carries only the fields that changed; NULL keeps the current value.
  revise: `
    UPDATE rss_articles SET
      title = coalesce(@title, title), body = coalesce(@body, body),
      category = coalesce(@category, category), version = @version
    WHERE id = @articleId AND version < @version
    RETURNING status`,
  publish: `
    UPDATE rss_articles SET status = 'PUBLISHED', published_at = @at, item_xml = @item, version = @version
    WHERE id = @articleId AND version < @version`,
  retract: `
    UPDATE rss_articles SET status = 'RETRACTED', item_xml = NULL, version = @version
    WHERE id = @articleId AND version < @version`,
  upsertAuthor: `
    INSERT INTO rss_authors (id, name, named_at) VALUES (@authorId, @name, @at)
    ON CONFLICT (id) DO UPDATE SET name = excluded.name, named_at = excluded.named_at
    WHERE excluded.named_at > rss_authors.named_at`,
  renameOnArticles: `
    UPDATE rss_articles SET author_name = @name, author_named_at = @at
    WHERE author_id = @authorId AND author_named_at < @at
    RETURNING id, status`,
  allPublished: `SELECT id FROM rss_articles WHERE status = 'PUBLISHED'`,
  article: `
    SELECT id, title, body, category, author_name, status, published_at
    FROM rss_articles WHERE id = ?`,
  setItem: 'UPDATE rss_articles SET item_xml = ? WHERE id = ?',
  addCategory: 'INSERT INTO rss_categories (name) VALUES (?) ON CONFLICT DO NOTHING',
  getSetting: 'SELECT value FROM rss_settings WHERE key = ?',
  putSetting: `
    INSERT INTO rss_settings (key, value) VALUES (?, ?)
    ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
} as const;

interface ArticleRow {
  id: string;
  title: string;
  body: string;
  category: string;
  author_name: string;
  status: 'DRAFT' | 'PUBLISHED' | 'RETRACTED';
  published_at: string | null;
}

type RenamedRow = Pick<ArticleRow, 'id' | 'status'>;

const statements = (db: Database) => preparedStatements(db, SQL);

/** One width, `Z`: text order is time order, for the indexes and the name comparisons. */
const utc = (timestamp: string) => new Date(timestamp).toISOString();

/** The guid is the encoded id, not the link (that moves with PUBLIC_URL): README, "Feed ids". */
const renderItem = (publicUrl: string, row: ArticleRow, publishedAt: string) =>
  renderRssItem({
    guid: encodeArticleId(row.id),
    title: row.title,
    link: articleLink(publicUrl, row.id),
    description: row.body,
    category: row.category,
    author: row.author_name,
    published: new Date(publishedAt),
  });

/** Bump when `renderItem` renders a stored row differently, so `migrate` re-renders them all. */
const ITEM_FORMAT = '2';

/** A new `publicUrl` or `ITEM_FORMAT` re-renders every published item once, in `migrate`. */
export function rssFeedProjection(publicUrl: string): Projection {
  const rerender = (sql: ReturnType<typeof statements>, articleId: string) => {
    const row = sql.article.get(articleId) as ArticleRow | undefined;
    if (row?.status !== 'PUBLISHED' || row.published_at === null) return;
    sql.setItem.run(renderItem(publicUrl, row, row.published_at), row.id);
    sql.addCategory.run(row.category);
  };

  return {
    name: 'rss-v1',

    migrate(db) {
      db.exec(DDL);
      const sql = statements(db);
      const renderedWith = { public_url: publicUrl, item_format: ITEM_FORMAT };
      const stored = (key: string) =>
        (sql.getSetting.get(key) as { value: string } | undefined)?.value;
      if (Object.entries(renderedWith).every(([key, value]) => stored(key) === value)) return;
      for (const { id } of sql.allPublished.all() as { id: string }[]) rerender(sql, id);
      for (const [key, value] of Object.entries(renderedWith)) sql.putSetting.run(key, value);
    },

    apply(db, { event, streamVersion: version }: ProjectedEvent) {
      const sql = statements(db);
      switch (event.type) {
        case 'AuthorRegistered':
        case 'AuthorRenamed': {
          const { authorId, name } = event.data;
          const at = utc(
            event.type === 'AuthorRegistered' ? event.data.registeredAt : event.data.renamedAt,
          );
          sql.upsertAuthor.run({ authorId, name, at });
          const renamed = sql.renameOnArticles.all({ authorId, name, at }) as RenamedRow[];
          for (const { id, status } of renamed) if (status === 'PUBLISHED') rerender(sql, id);
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
            at: utc(draftedAt),
            version,
          });
          return;
        }
        case 'ArticleRevised': {
          const { articleId, title, body, category } = event.data;
          const change = {
            articleId,
            title: title ?? null,
            body: body ?? null,
            category: category ?? null,
            version,
          };
          // Only a published article has an item to render again.
          const revised = sql.revise.get(change) as Pick<ArticleRow, 'status'> | undefined;
          if (revised?.status === 'PUBLISHED') rerender(sql, articleId);
          return;
        }
        case 'ArticlePublished': {
          const { articleId } = event.data;
          const at = utc(event.data.publishedAt);
          const row = sql.article.get(articleId) as ArticleRow | undefined;
          if (row === undefined) return;
          const item = renderItem(publicUrl, row, at);
          const { changes } = sql.publish.run({ articleId, at, item, version });
          if (changes > 0) sql.addCategory.run(row.category);
          return;
        }
        case 'ArticleRetracted':
          sql.retract.run({ articleId: event.data.articleId, version });
          return;
        default: {
          const unknown: never = event;
          return unknown;
        }
      }
    },
  };
}
