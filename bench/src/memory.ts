import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { openSqliteEventStore } from '@fairflax/event-store-sqlite';
import type { StoredEvent } from '@fairflax/event-store';
import { EmbeddedFeed } from '@fairflax/publishing-api';
import { waitFor, type RunningSystem } from '@fairflax/testkit';
import { PROJECTIONS, READ_SERVICES_MEASURED } from './figures.js';
import {
  EVENT_SOURCED_SERVICES,
  getJson,
  progress,
  record,
  residentMegabytes,
  sleep,
  type BenchContext,
} from './harness.js';
import { generateNewsroomLog } from './newsroom.js';
import { perSecond } from './stats.js';
import { waitCaughtUp, withSystem } from './systems.js';

const LOAD_GROUP = 2_000;

/** One append per event, as articles would; queued a group at a time so each commits as one. */
export async function loadEventStore(
  path: string,
  events: readonly StoredEvent[],
): Promise<number> {
  const store = openSqliteEventStore(path);
  try {
    for (let i = 0; i < events.length; i += LOAD_GROUP) {
      await Promise.all(
        events.slice(i, i + LOAD_GROUP).map((e) =>
          store.append(e.streamId, e.streamVersion - 1, [
            {
              eventId: e.eventId,
              type: e.type,
              schemaVersion: e.schemaVersion,
              data: e.data,
              metadata: e.metadata,
            },
          ]),
        ),
      );
    }
    return await store.headPosition();
  } finally {
    await store.close();
  }
}

/** Decoded into deliveries, as a read service receives them, and dropped: the feed alone. */
async function drainFeed(address: string, head: number): Promise<number> {
  const feed = new EmbeddedFeed(address, { batchSize: 5_000 });
  const stop = new AbortController();
  let received = 0;
  const startedAt = performance.now();
  try {
    for await (const batch of feed.batches(() => 0, stop.signal)) {
      received += batch.length;
      if ((batch.at(-1)?.position ?? 0) >= head) break;
    }
  } finally {
    stop.abort();
    feed.close();
  }
  if (received !== head) throw new Error(`the feed delivered ${received} of ${head} events`);
  return perSecond(head, performance.now() - startedAt);
}

type ReadModel = (typeof PROJECTIONS)[number];

/** Only against a hang: graph took over 1,000 s for 1M events on a loaded 2-core machine. */
const catchUpTimeoutMs = (events: number) => Math.max(600_000, 3 * events);

/** From spawning the process on an empty read model to its /healthz showing the head. */
async function catchUpAlone(
  system: RunningSystem,
  dataDir: string,
  name: ReadModel,
  head: number,
  sizes: BenchContext['sizes'],
): Promise<number> {
  await system.services[name].stop();
  for (const suffix of ['', '-wal', '-shm'])
    rmSync(join(dataDir, `${name}.sqlite${suffix}`), { force: true });
  const startedAt = performance.now();
  await system.restart(name);
  sizes[`catchUpListening_${name}_ms`] = Math.round(performance.now() - startedAt);
  await waitFor(
    `${name} to apply the log up to ${head}`,
    async () => {
      const health = await getJson<{ position: number }>(system.url(name, '/healthz'));
      return health.position >= head;
    },
    catchUpTimeoutMs(head),
    20,
  );
  return perSecond(head, performance.now() - startedAt);
}

/**
 * Figure 5: resident memory once the read services caught up together (also timed); then the
 * feed alone, and each read model catching up alone while the others idle, `runs` times.
 */
export async function benchMemory(ctx: BenchContext): Promise<void> {
  const { events: total, runs, quick } = ctx.options;
  progress(`memory: generating and storing a newsroom log of ${total} events`);
  const log = generateNewsroomLog(total, 11);
  const dataDir = join(ctx.tmpDir, 'memory');
  mkdirSync(dataDir, { recursive: true });
  const head = await loadEventStore(join(dataDir, 'articles-events.sqlite'), log.events);
  if (head !== total) throw new Error(`stored ${head} of ${total} events`);
  try {
    progress('memory: starting the event-sourced system on the stored log');
    const startedAt = performance.now();
    await withSystem(ctx, EVENT_SOURCED_SERVICES, { DATA_DIR: dataDir }, async (system) => {
      await waitCaughtUp(system, total, quick ? 120_000 : catchUpTimeoutMs(total));
      const catchUpMs = performance.now() - startedAt;
      record(ctx, 'memory.catchup', perSecond(total, catchUpMs));
      Object.assign(ctx.sizes, {
        memoryArticles: log.counts.articles,
        memoryPublished: log.counts.published,
        memoryCatchUpSeconds: Math.round(catchUpMs / 100) / 10,
      });
      for (let run = 1; run <= runs; run++) {
        await sleep(quick ? 200 : 1_000);
        for (const name of READ_SERVICES_MEASURED) {
          const pid = system.services[name].child.pid;
          if (pid === undefined) throw new Error(`${name} has no process id`);
          record(ctx, `memory.${name}`, residentMegabytes(pid));
        }
      }
      for (let run = 1; run <= runs; run++) {
        progress(
          `memory: the feed alone and each read model catching up alone, run ${run}/${runs}`,
        );
        record(ctx, 'catchup.feed', await drainFeed(`127.0.0.1:${system.ports.articles}`, total));
        for (const name of PROJECTIONS) {
          record(
            ctx,
            `catchup.${name}`,
            await catchUpAlone(system, dataDir, name, total, ctx.sizes),
          );
        }
      }
    });
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
