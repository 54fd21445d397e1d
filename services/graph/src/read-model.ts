import type { Database } from '@fairflax/projections';

export const ARTICLE_STATUSES = ['DRAFT', 'PUBLISHED', 'RETRACTED'] as const;
export type ArticleStatus = (typeof ARTICLE_STATUSES)[number];

export interface ArticleView {
  id: string;
  title: string;
  body: string;
  category: string;
  authorId: string;
  authorName: string;
  status: ArticleStatus;
  created: string;
  modified: string;
  publishedAt: string | null;
  version: number;
  /** Set when folded as of a log position: its history stops there. */
  asOf?: number;
}

export interface AuthorView {
  id: string;
  name: string;
}

/** Lists are ordered by (sort time, id), both descending. */
export interface PagePosition {
  time: string;
  id: string;
}

export interface ArticlePageRequest {
  status: ArticleStatus;
  category?: string;
  count: number;
  after?: PagePosition;
}

export interface ArticlePage {
  articles: ArticleView[];
  hasNextPage: boolean;
}

interface ArticleRow {
  id: string;
  title: string;
  body: string;
  category: string;
  author_id: string;
  author_name: string;
  status: ArticleStatus;
  created: string;
  modified: string;
  published_at: string | null;
  version: number;
}

const COLUMNS =
  'id, title, body, category, author_id, author_name, status, created, modified, published_at, version';

const toView = (row: ArticleRow): ArticleView => ({
  id: row.id,
  title: row.title,
  body: row.body,
  category: row.category,
  authorId: row.author_id,
  authorName: row.author_name,
  status: row.status,
  created: row.created,
  modified: row.modified,
  publishedAt: row.published_at,
  version: row.version,
});

/** Drafts are listed by when they were started; everything else by when it went public. */
const sortColumn = (status: ArticleStatus) => (status === 'DRAFT' ? 'created' : 'published_at');

/** What a cursor holds. */
export function sortTimeOf(article: ArticleView): string {
  return article.status === 'DRAFT' ? article.created : (article.publishedAt ?? article.created);
}

/** Id lists travel as one JSON parameter (`json_each`): each query is prepared once. */
export class GraphReadModel {
  private readonly byId;
  private readonly byIds;
  private readonly allAuthors;
  private readonly authorById;
  private readonly publishedByAuthors;
  private readonly pageQueries = new Map<string, ReturnType<Database['prepare']>>();

  constructor(private readonly db: Database) {
    this.byId = db.prepare<[string], ArticleRow>(`SELECT ${COLUMNS} FROM articles WHERE id = ?`);
    this.byIds = db.prepare<[string], ArticleRow>(
      `SELECT ${COLUMNS} FROM articles WHERE id IN (SELECT value FROM json_each(?))`,
    );
    this.allAuthors = db.prepare<[], AuthorView>('SELECT id, name FROM authors ORDER BY name, id');
    this.authorById = db.prepare<[string], AuthorView>('SELECT id, name FROM authors WHERE id = ?');
    this.publishedByAuthors = db.prepare<{ authorIds: string; limit: number }, ArticleRow>(`
      SELECT ${COLUMNS} FROM (
        SELECT ${COLUMNS},
          row_number() OVER (PARTITION BY author_id ORDER BY published_at DESC, id DESC) AS rank
        FROM articles
        WHERE status = 'PUBLISHED' AND author_id IN (SELECT value FROM json_each(@authorIds))
      ) WHERE rank <= @limit
      ORDER BY author_id, rank`);
  }

  article(id: string): ArticleView | undefined {
    const row = this.byId.get(id);
    return row && toView(row);
  }

  /** In the order of `ids`; unknown ids are left out. */
  articlesByIds(ids: readonly string[]): ArticleView[] {
    if (ids.length === 0) return [];
    const found = new Map(this.byIds.all(JSON.stringify(ids)).map((row) => [row.id, toView(row)]));
    return ids.flatMap((id) => found.get(id) ?? []);
  }

  /** Fetches one row more than asked, to know whether another page follows. */
  articlesPage({ status, category, count, after }: ArticlePageRequest): ArticlePage {
    const rows = this.pageQuery(status, category !== undefined, after !== undefined).all({
      status,
      category: category ?? null,
      time: after?.time ?? null,
      id: after?.id ?? null,
      limit: count + 1,
    }) as ArticleRow[];
    return { articles: rows.slice(0, count).map(toView), hasNextPage: rows.length > count };
  }

  authors(): AuthorView[] {
    return this.allAuthors.all();
  }

  author(id: string): AuthorView | undefined {
    return this.authorById.get(id);
  }

  /** At most `limit` each, in one query for all the authors. */
  publishedArticlesByAuthors(
    authorIds: readonly string[],
    limit: number,
  ): Map<string, ArticleView[]> {
    const byAuthor = new Map<string, ArticleView[]>(authorIds.map((id) => [id, []]));
    if (authorIds.length === 0) return byAuthor;
    for (const row of this.publishedByAuthors.all({
      authorIds: JSON.stringify(authorIds),
      limit,
    })) {
      byAuthor.get(row.author_id)?.push(toView(row));
    }
    return byAuthor;
  }

  private pageQuery(status: ArticleStatus, byCategory: boolean, fromCursor: boolean) {
    const column = sortColumn(status);
    const key = `${column}/${byCategory}/${fromCursor}`;
    let statement = this.pageQueries.get(key);
    if (!statement) {
      // A row-value comparison seeks straight to the cursor in the index.
      statement = this.db.prepare(`
        SELECT ${COLUMNS} FROM articles
        WHERE status = @status
          ${byCategory ? 'AND category = @category' : ''}
          ${fromCursor ? `AND (${column}, id) < (@time, @id)` : ''}
        ORDER BY ${column} DESC, id DESC
        LIMIT @limit`);
      this.pageQueries.set(key, statement);
    }
    return statement;
  }
}
