import type { FollowedTopic } from '@fairflax/event-store';
import type { Database } from '@fairflax/projections';
import { TRANSPORT_NAMES, TRANSPORTS } from '@fairflax/transports';
import mercurius from 'mercurius';
import { badUserInput } from './errors.js';
import type { GraphExtension } from './extension.js';

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

const typeDefs = /* GraphQL */ `
  "published articles in one hour, counted by the stream processor"
  type PublishedCount {
    "the category, or the author id"
    key: String!
    "start of the hour, RFC 3339 UTC"
    hour: String!
    published: Int!
  }

  extend type Query {
    "published articles per category per hour since (RFC 3339; default 24 hours ago), newest hour first; from the stream processor, so only on the Kafka transport"
    categoryStats(since: String): [PublishedCount!]!
    "published articles per author per hour, like categoryStats"
    authorStats(since: String): [PublishedCount!]!
  }
`;

/** The resolvers over `view`; without one (no broker) they answer NOT_AVAILABLE. */
export function statsResolvers(view: ArticleStatsView | undefined) {
  const since = (kind: ArticleStat['kind']) => (_: unknown, args: { since?: string | null }) => {
    if (!view) {
      throw new mercurius.ErrorWithProps(
        `${kind}Stats comes from the stream processor, which runs on the Kafka transport (TRANSPORT=kafka)`,
        { code: 'NOT_AVAILABLE' },
        501,
      );
    }
    const from = args.since == null ? new Date(Date.now() - 24 * 3_600_000) : new Date(args.since);
    if (Number.isNaN(from.getTime()))
      throw badUserInput(`since "${args.since}" is not an RFC 3339 time`);
    return view.list(kind, from.toISOString());
  };
  return { Query: { categoryStats: since('category'), authorStats: since('author') } };
}

/** The stream processor's counts, which arrive on their own topic on a broker. */
export const articleStats: GraphExtension = {
  typeDefs,
  async open({ db, env, logger, inProcess, consumer }) {
    const transport = TRANSPORTS[env.oneOf('TRANSPORT', TRANSPORT_NAMES, 'embedded')]!;
    if (!transport.followTopic || inProcess) {
      return { resolvers: statsResolvers(undefined), close: () => Promise.resolve() };
    }
    const view = new ArticleStatsView(db);
    const topic: FollowedTopic = await transport.followTopic({
      service: consumer,
      topic: 'article-stats',
      env,
      logger,
      onRecords: (records) => {
        const { rejected } = view.apply(records);
        if (rejected.length > 0)
          logger.warn({ keys: rejected }, 'ignored malformed article-stats records');
      },
    });
    return { resolvers: statsResolvers(view), close: () => Promise.resolve(topic.close()) };
  },
};
