import type { Database } from '@fairflax/projections';

export interface ArticleStat {
  kind: 'category' | 'author';
  key: string;
  hour: string;
  published: number;
}

const DDL = `
  CREATE TABLE IF NOT EXISTS article_stats (
    kind TEXT NOT NULL CHECK (kind IN ('category', 'author')),
    key TEXT NOT NULL,
    hour TEXT NOT NULL,
    published INTEGER NOT NULL,
    PRIMARY KEY (kind, key, hour)
  ) STRICT`;

/** Each record is the current count for its key: applying one twice changes nothing. */
export class ArticleStatsView {
  private readonly upsert;
  private readonly select;

  constructor(private readonly db: Database) {
    db.exec(DDL);
    this.upsert = db.prepare(
      `INSERT INTO article_stats (kind, key, hour, published) VALUES (@kind, @key, @hour, @published)
       ON CONFLICT (kind, key, hour) DO UPDATE SET published = excluded.published`,
    );
    this.select = db.prepare(
      `SELECT key, hour, published FROM article_stats WHERE kind = ? AND hour >= ? ORDER BY hour DESC, key`,
    );
  }

  /** Malformed records are returned, not applied. */
  apply(records: readonly { key: string; value: Uint8Array }[]): {
    applied: number;
    rejected: string[];
  } {
    const rejected: string[] = [];
    let applied = 0;
    this.db.transaction(() => {
      for (const record of records) {
        const stat = parseStat(record.value);
        if (stat) {
          this.upsert.run(stat);
          applied++;
        } else {
          rejected.push(record.key);
        }
      }
    })();
    return { applied, rejected };
  }

  list(
    kind: ArticleStat['kind'],
    since: string,
  ): { key: string; hour: string; published: number }[] {
    return this.select.all(kind, since) as { key: string; hour: string; published: number }[];
  }
}

function parseStat(value: Uint8Array): ArticleStat | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(value).toString('utf8')) as Partial<ArticleStat>;
    const { kind, key, hour, published } = parsed;
    if (
      (kind === 'category' || kind === 'author') &&
      typeof key === 'string' &&
      typeof hour === 'string' &&
      Number.isSafeInteger(published)
    ) {
      return { kind, key, hour, published: published! };
    }
  } catch {
    // Not JSON: rejected below.
  }
  return undefined;
}
