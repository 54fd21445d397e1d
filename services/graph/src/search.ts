import type { Database, ProjectedEvent } from '@fairflax/projections';
import { Document } from 'flexsearch';
import { touchedArticleIds } from './projection.js';

type SearchDocument = { id: string; title: string; body: string };

/** Fields in rank order: a hit in an earlier field outranks any hit in a later one. */
const FIELDS = ['title', 'body'] as const;

const newIndex = () =>
  new Document<SearchDocument>({
    // A reverse map makes updates cheap; on the Document, as per field it fails in 0.8.
    fastupdate: true,
    document: {
      id: 'id',
      // Word prefixes: "elect" finds "election" as the reader types.
      index: FIELDS.map((field) => ({ field, tokenize: 'forward' as const })),
    },
  });

const prepareStatements = (db: Database) => ({
  published: db.prepare<[], SearchDocument>(
    "SELECT id, title, body FROM articles WHERE status = 'PUBLISHED'",
  ),
  one: db.prepare<[string], SearchDocument & { status: string }>(
    'SELECT id, title, body, status FROM articles WHERE id = ?',
  ),
});

/** Changes only once a batch has committed: a rolled-back batch leaves no trace in results. */
export class ArticleSearch {
  private index = newIndex();
  private readonly indexed = new Set<string>();
  private statements?: ReturnType<typeof prepareStatements>;

  /** The tables need not exist until `rebuild`. */
  constructor(private readonly db: Database) {}

  get size(): number {
    return this.indexed.size;
  }

  rebuild(): void {
    this.index = newIndex();
    this.indexed.clear();
    for (const doc of this.sql().published.iterate()) {
      this.index.add(doc);
      this.indexed.add(doc.id);
    }
  }

  /** Indexed while published, gone otherwise. */
  reindex(articleIds: readonly string[]): void {
    for (const id of articleIds) {
      const row = this.sql().one.get(id);
      if (row?.status === 'PUBLISHED') {
        this.index.update({ id: row.id, title: row.title, body: row.body });
        this.indexed.add(id);
      } else if (this.indexed.delete(id)) {
        this.index.remove(id);
      }
    }
  }

  readonly onCommitted = (applied: readonly ProjectedEvent[]): void => {
    this.reindex(touchedArticleIds(applied));
  };

  /** Title matches first, then body-only matches. */
  search(text: string, count: number): string[] {
    // Also documents that match only some of the words, ranked below full matches.
    const results = this.index.search(text, { limit: count, suggest: true });
    const ranked = new Set<string>();
    for (const field of FIELDS) {
      for (const id of results.find((r) => r.field === field)?.result ?? []) ranked.add(String(id));
    }
    return [...ranked].slice(0, count);
  }

  private sql() {
    this.statements ??= prepareStatements(this.db);
    return this.statements;
  }
}
