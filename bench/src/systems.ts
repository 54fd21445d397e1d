import {
  startService,
  freePort,
  startSystem,
  waitFor,
  type RunningService,
  type RunningSystem,
} from '@fairflax/testkit';
import { BENCH_DIR, getJson, type BenchContext } from './harness.js';

interface Health {
  position: number;
  feed?: { headPosition?: number; connected?: boolean } | null;
}

/** The read services' /healthz positions, for the event-sourced system. */
export async function readPositions(
  system: RunningSystem,
): Promise<Record<'graph' | 'rss' | 'sitemap', Health>> {
  const [graph, rss, sitemap] = await Promise.all(
    (['graph', 'rss', 'sitemap'] as const).map((s) => getJson<Health>(system.url(s, '/healthz'))),
  );
  return { graph: graph!, rss: rss!, sitemap: sitemap! };
}

/**
 * Waits until graph, rss and sitemap have applied the whole log: each at the head its feed
 * reports, and at least at `minimum` (the head is learnt from the first batch).
 */
export async function waitCaughtUp(
  system: RunningSystem,
  minimum: number,
  timeoutMs: number,
): Promise<number> {
  return waitFor(
    `graph, rss and sitemap to apply the log up to ${minimum}`,
    async () => {
      const healths = Object.values(await readPositions(system));
      const caughtUp = healths.every(
        (h) =>
          h.feed?.connected === true &&
          h.position >= minimum &&
          h.position >= (h.feed.headPosition ?? Infinity),
      );
      return caughtUp ? Math.min(...healths.map((h) => h.position)) : false;
    },
    timeoutMs,
    50,
  );
}

/** Starts a system and makes sure it is stopped on Ctrl-C and when `use` is done. */
export async function withSystem<T>(
  ctx: BenchContext,
  servicesDir: string,
  env: Record<string, string>,
  use: (system: RunningSystem) => Promise<T>,
): Promise<T> {
  const system = await startSystem(servicesDir, env);
  const release = ctx.onInterrupt(() => system.stop());
  try {
    return await use(system);
  } finally {
    await system.stop();
    release();
  }
}

/** fastify's hello world in its own process: the ceiling for any fastify read endpoint. */
export async function startHelloWorld(
  ctx: BenchContext,
): Promise<{ service: RunningService; url: string; release: () => void }> {
  const port = await freePort();
  const service = await startService({
    name: 'hello-world',
    dir: BENCH_DIR,
    entry: 'src/hello-world.ts',
    env: { PORT: String(port) },
    readyPort: port,
  });
  return {
    service,
    url: `http://127.0.0.1:${port}/`,
    release: ctx.onInterrupt(() => service.stop()),
  };
}
