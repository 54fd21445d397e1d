import { join } from 'node:path';
import { DeadLetterParking } from '@fairflax/operations';
import {
  openReadModel,
  ProjectionRunner,
  type Database,
  type Delivery,
  type Projection,
} from '@fairflax/projections';
import { CATCH_UP_BATCH, LOG_SOURCE } from '@fairflax/publishing-api';
// Each read model's projection, measured in place in its service.
import { graphProjection } from '@fairflax/graph/projection';
import { ArticleSearch } from '@fairflax/graph/search';
import { rssFeedProjection } from '@fairflax/rss/projection';
import { sitemapProjection } from '@fairflax/sitemap/projection';
import { progress, record, type BenchContext } from './harness.js';
import { generateNewsroomLog } from './newsroom.js';
import { perSecond } from './stats.js';
import type { PROJECTIONS } from './figures.js';

/** As a read service receives a catch-up from articles' feed. */
export const REBUILD_BATCH = CATCH_UP_BATCH;

type ProjectionName = (typeof PROJECTIONS)[number];

interface Rebuilding {
  runner: ProjectionRunner;
  /** Resolves once everything applied is also searchable (graph's index thread). */
  settled(): Promise<void>;
  close(): void;
}

/** Dead letters parked, as the services and the rebuild command apply events. */
const asServed = (db: Database, projection: Projection) =>
  new ProjectionRunner(db, projection, { middleware: [new DeadLetterParking(projection.name)] });

/** As its service wires it: graph keeps FlexSearch in step. */
function openRunner(name: ProjectionName, path: string): Rebuilding {
  const db = openReadModel(path);
  if (name === 'graph') {
    const search = new ArticleSearch(db);
    const runner = asServed(db, graphProjection);
    runner.onCommitted(search.onCommitted);
    search.rebuild();
    return {
      runner,
      settled: () => search.settled(),
      close: () => {
        search.close();
        db.close();
      },
    };
  }
  const projection: Projection =
    name === 'rss' ? rssFeedProjection('https://news.fairflax.example') : sitemapProjection;
  return {
    runner: asServed(db, projection),
    settled: async () => {},
    close: () => db.close(),
  };
}

/** Figure 2: fed from memory, so it is the projection's own cost, not the transport's. */
export async function benchRebuild(ctx: BenchContext): Promise<void> {
  const { events: total, runs } = ctx.options;
  progress(`rebuild: generating a newsroom log of ${total} events`);
  const log = generateNewsroomLog(total);
  const batches: Delivery[][] = [];
  for (let i = 0; i < log.events.length; i += REBUILD_BATCH) {
    batches.push(
      log.events
        .slice(i, i + REBUILD_BATCH)
        .map((event) => ({ source: LOG_SOURCE, position: event.globalPosition, event })),
    );
  }
  Object.assign(ctx.sizes, {
    logArticles: log.counts.articles,
    logPublished: log.counts.published,
    logAuthors: log.counts.authors,
    rebuildBatch: REBUILD_BATCH,
  });
  const names: ProjectionName[] = ['graph', 'rss', 'sitemap'];
  for (let run = 1; run <= runs; run++) {
    progress(`rebuild: run ${run}/${runs}`);
    for (const name of names) {
      const model = openRunner(name, join(ctx.tmpDir, `rebuild-${name}-${run}.sqlite`));
      try {
        const start = performance.now();
        let applied = 0;
        for (const batch of batches) applied += model.runner.applyBatch(batch).applied;
        const projected = performance.now() - start;
        await model.settled();
        const elapsed = performance.now() - start;
        if (applied !== total) throw new Error(`${name} applied ${applied} of ${total} events`);
        record(ctx, `rebuild.${name}`, perSecond(applied, elapsed));
        // Which bounds graph: its SQLite projection, or the search index on its own thread.
        if (name === 'graph') {
          ctx.sizes[`rebuildGraphProjectedMsRun${run}`] = Math.round(projected);
          ctx.sizes[`rebuildGraphIndexedMsRun${run}`] = Math.round(elapsed);
        }
      } finally {
        model.close();
      }
      // Let timers and stderr run between models.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
}
