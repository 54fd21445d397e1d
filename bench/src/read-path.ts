import autocannon from 'autocannon';
import type { RunningSystem } from '@fairflax/testkit';
import {
  COUPLED_SERVICES,
  EVENT_SOURCED_SERVICES,
  progress,
  record,
  type BenchContext,
} from './harness.js';
import { READ_ENDPOINTS, type ReadEndpoint, type ReadSystem } from './figures.js';
import { percentile } from './stats.js';
import { startHelloWorld, waitCaughtUp, withSystem } from './systems.js';

export const CONNECTIONS = 10;

interface Target {
  url: string;
  method: 'GET' | 'POST';
  body?: string;
  headers?: Record<string, string>;
}

const GRAPHQL_QUERY: Record<ReadSystem, string> = {
  es: '{ articles(count: 20) { nodes { id title author { name } } } }',
  coupled: '{ articles(count: 20) { id title author { name } } }',
};

export function targets(system: RunningSystem, kind: ReadSystem): Record<ReadEndpoint, Target> {
  return {
    feed: { url: system.url('rss', '/feed'), method: 'GET' },
    'feed-business': { url: system.url('rss', '/feed/business'), method: 'GET' },
    sitemap: { url: system.url('sitemap', '/sitemap'), method: 'GET' },
    graphql: {
      url: system.url('graph', '/graphql'),
      method: 'POST',
      body: JSON.stringify({ query: GRAPHQL_QUERY[kind] }),
      headers: { 'content-type': 'application/json' },
    },
  };
}

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
}

/**
 * Any error or non-2xx fails the figure rather than flatter it. Latencies are per response:
 * autocannon's histogram keeps whole milliseconds, reading a sub-millisecond p50 as 0.
 */
export function load(target: Target, seconds: number): Promise<LoadResult> {
  const latencies: number[] = [];
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: target.url,
        method: target.method,
        connections: CONNECTIONS,
        duration: seconds,
        ...(target.body !== undefined && { body: target.body }),
        ...(target.headers !== undefined && { headers: target.headers }),
      },
      (err: unknown, result: autocannon.Result) => {
        if (err) return reject(err instanceof Error ? err : new Error(JSON.stringify(err)));
        if (result.errors > 0 || result.non2xx > 0 || result['2xx'] === 0) {
          const counts = `${result['2xx']} ok, ${result.non2xx} non-2xx, ${result.errors} errors`;
          return reject(new Error(`${target.method} ${target.url}: ${counts}`));
        }
        latencies.sort((a, b) => a - b);
        resolve({
          rps: result['2xx'] / result.duration,
          p50: percentile(latencies, 50),
          p99: percentile(latencies, 99),
        });
      },
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
    });
  });
}

/** Both systems must show the same newsroom. */
async function describe(
  all: Record<ReadEndpoint, Target>,
  kind: ReadSystem,
): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const [key, target] of Object.entries(all)) {
    const response = await fetch(target.url, {
      method: target.method,
      ...(target.body !== undefined && { body: target.body }),
      ...(target.headers !== undefined && { headers: target.headers }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${kind} ${key}: ${response.status} ${text.slice(0, 200)}`);
    const items = (text.match(/<item>|<url>|"title"/g) ?? []).length;
    if (items === 0)
      throw new Error(`${kind} ${key} answered with no article: ${text.slice(0, 200)}`);
    counts[
      `read${kind === 'es' ? 'Es' : 'Coupled'}${key.replace(/(^|-)(\w)/g, (_, __, c: string) => c.toUpperCase())}Items`
    ] = items;
  }
  return counts;
}

async function loadEndpoints(
  ctx: BenchContext,
  kind: ReadSystem,
  all: Record<ReadEndpoint, Target>,
  run: number,
) {
  for (const { key, label } of READ_ENDPOINTS) {
    progress(`read: ${kind} ${label}, run ${run}/${ctx.options.runs}`);
    const result = await load(all[key], ctx.options.readSeconds);
    record(ctx, `read.${kind}.${key}.rps`, result.rps);
    record(ctx, `read.${kind}.${key}.p50`, result.p50);
    record(ctx, `read.${kind}.${key}.p99`, result.p99);
  }
}

async function warmUp(all: Iterable<Target>, seconds: number): Promise<void> {
  for (const target of all) await load(target, Math.max(0.5, seconds / 4));
}

/** Figure 3: one system at a time on the same newsroom, fastify's hello world as the ceiling. */
export async function benchReadPath(ctx: BenchContext): Promise<void> {
  const { runs, readSeconds } = ctx.options;
  const hello = await startHelloWorld(ctx);
  const helloTarget: Target = { url: hello.url, method: 'GET' };
  try {
    progress('read: starting the event-sourced system (seeded with the sample newsroom)');
    await withSystem(ctx, EVENT_SOURCED_SERVICES, {}, async (system) => {
      await waitCaughtUp(system, 1, 60_000);
      const all = targets(system, 'es');
      Object.assign(ctx.sizes, await describe(all, 'es'));
      const feedBytes = (await (await fetch(all.feed.url)).arrayBuffer()).byteLength;
      ctx.sizes['readEsFeedBytes'] = feedBytes;
      const sameSize: Target = { url: `${hello.url}bytes/${feedBytes}`, method: 'GET' };
      await warmUp([helloTarget, sameSize, ...Object.values(all)], readSeconds);
      for (let run = 1; run <= runs; run++) {
        progress(`read: hello world, run ${run}/${runs}`);
        const ceiling = await load(helloTarget, readSeconds);
        record(ctx, 'read.hello.rps', ceiling.rps);
        record(ctx, 'read.hello.p50', ceiling.p50);
        record(ctx, 'read.hello.p99', ceiling.p99);
        progress(`read: a constant body as large as /feed, run ${run}/${runs}`);
        record(ctx, 'read.hello-feed-size.rps', (await load(sameSize, readSeconds)).rps);
        await loadEndpoints(ctx, 'es', all, run);
      }
    });
    progress('read: starting the coupled system (step 0)');
    await withSystem(ctx, COUPLED_SERVICES, {}, async (system) => {
      const all = targets(system, 'coupled');
      Object.assign(ctx.sizes, await describe(all, 'coupled'));
      await warmUp(Object.values(all), readSeconds);
      for (let run = 1; run <= runs; run++) await loadEndpoints(ctx, 'coupled', all, run);
    });
  } finally {
    await hello.service.stop();
    hello.release();
  }
  Object.assign(ctx.sizes, { readSecondsPerEndpoint: readSeconds, readConnections: CONNECTIONS });
}
