import type { Projection } from '@fairflax/projections';
import Database from '@fairflax/sqlite';
import { graphProjection } from '@fairflax/graph/projection';
import { rssFeedProjection } from '@fairflax/rss/projection';
import { sitemapProjection } from '@fairflax/sitemap/projection';
import type { AlternativeFold } from './order-probe.js';
import { checksum, diffTables, quote, readTable, tableNames } from './tables.js';
import type { ReadModelCheck, ReadServiceName, TableCheck } from './types.js';

interface ReadModelSpec {
  projection: (publicUrl: string) => Projection;
  articles: string;
  excluded: Record<string, string>;
}

/** Not read-model state: where deliveries got to, and what failed to apply. */
const ALWAYS_EXCLUDED: Record<string, string> = {
  projection_checkpoints:
    'delivery positions: per topic/partition live, one log source in the rebuild',
  dead_letters: 'events parked instead of applied: counted separately',
};

export const READ_MODELS: Record<ReadServiceName, ReadModelSpec> = {
  graph: {
    projection: () => graphProjection,
    articles: 'articles',
    excluded: {
      article_stats:
        "the stream processor's counts from the article-stats topic, checked with the stats",
    },
  },
  rss: {
    projection: (publicUrl) => rssFeedProjection(publicUrl),
    articles: 'rss_articles',
    excluded: {},
  },
  sitemap: { projection: () => sitemapProjection, articles: 'sitemap_articles', excluded: {} },
};

const open = (path: string) => new Database(path, { readonly: true, fileMustExist: true });

/** The live read model against the store refolded in global order, plus other-order folds. */
export function compareReadModel(
  service: ReadServiceName,
  livePath: string,
  rebuiltPath: string,
  alternatives: readonly AlternativeFold[],
  versions: ReadonlyMap<string, number>,
): ReadModelCheck {
  const spec = READ_MODELS[service];
  const excluded = { ...ALWAYS_EXCLUDED, ...spec.excluded };
  const live = open(livePath);
  const rebuilt = open(rebuiltPath);
  const others = alternatives.map((a) => ({ order: a.order, db: open(a.path) }));
  try {
    const names = [...new Set([...tableNames(live), ...tableNames(rebuilt)])]
      .filter((t) => !(t in excluded))
      .sort();
    const orderSensitive: ReadModelCheck['orderSensitive'] = [];
    const tables: TableCheck[] = names.map((table) => {
      const a = readTable(live, table);
      const b = readTable(rebuilt, table);
      const folds = others.map((o) => ({ order: o.order, rows: readTable(o.db, table) }));
      const differing = folds.filter((f) => checksum(f.rows) !== checksum(b));
      if (differing.length > 0) {
        orderSensitive.push({
          table,
          samples: differing.map((f) => {
            const d = diffTables(f.rows, b, [f.order, 'store order']);
            return `${f.order}: ${d.changed} rows changed, ${d.missing + d.extra} differ in presence; ${d.samples[0] ?? ''}`;
          }),
        });
      }
      const check: TableCheck = {
        table,
        rows: { live: a.rows.length, rebuilt: b.rows.length },
        checksum: { live: checksum(a), rebuilt: checksum(b) },
        equal: false,
      };
      check.equal = check.checksum.live === check.checksum.rebuilt;
      if (!check.equal)
        check.diff = diffTables(
          a,
          b,
          ['live', 'rebuilt'],
          folds.map((f) => f.rows),
        );
      return check;
    });

    const liveVersions = new Map(
      live
        .prepare<[], { id: string; version: number }>(
          `SELECT id, version FROM ${quote(spec.articles)}`,
        )
        .all()
        .map((r) => [r.id, r.version]),
    );
    const rebuiltCount =
      rebuilt
        .prepare<[], number>(`SELECT count(*) FROM ${quote(spec.articles)}`)
        .pluck()
        .get() ?? 0;
    const samples: string[] = [];
    let versionMismatches = 0;
    for (const id of new Set([...versions.keys(), ...liveVersions.keys()])) {
      const expected = versions.get(id);
      const actual = liveVersions.get(id);
      if (expected === actual) continue;
      versionMismatches++;
      if (samples.length < 5)
        samples.push(
          `${id}: live version ${actual ?? 'absent'}, store version ${expected ?? 'absent'}`,
        );
    }
    const deadLetters = tableNames(live).includes('dead_letters')
      ? (live.prepare<[], number>('SELECT count(*) FROM dead_letters').pluck().get() ?? 0)
      : 0;
    return {
      service,
      tables,
      excluded,
      articles: {
        live: liveVersions.size,
        rebuilt: rebuiltCount,
        store: versions.size,
        versionMismatches,
        samples,
      },
      deadLetters,
      orderSensitive,
      equal:
        tables.every((t) => t.equal) &&
        versionMismatches === 0 &&
        rebuiltCount === versions.size &&
        deadLetters === 0,
    };
  } finally {
    live.close();
    rebuilt.close();
    for (const o of others) o.db.close();
  }
}
