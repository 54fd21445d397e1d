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

export async function readPositions(
  system: RunningSystem,
): Promise<Record<'graph' | 'rss' | 'sitemap', Health>> {
  const [graph, rss, sitemap] = await Promise.all(
    (['graph', 'rss', 'sitemap'] as const).map((s) => getJson<Health>(system.url(s, '/healthz'))),
  );
  return { graph: graph!, rss: rss!, sitemap: sitemap! };
}

/** Also waits for `minimum`: the feed's head is learnt from its first batch. */
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
