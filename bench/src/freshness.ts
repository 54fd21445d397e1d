import { randomUUID } from 'node:crypto';
import { ensureKafka, stopKafka } from '@fairflax/kafka-broker';
import { createArticlesCommands } from '@fairflax/publishing-api';
import { waitForPosition, type RunningSystem } from '@fairflax/testkit';
import { FRESHNESS_TRANSPORTS, freshnessFigure, type FreshnessTransport } from './figures.js';
import { EVENT_SOURCED_SERVICES, progress, record, type BenchContext } from './harness.js';
import { BENCH_AUTHOR, AppendPayloads, benchArticleId } from './payload.js';
import { percentile } from './stats.js';
import { withSystem } from './systems.js';

const WAIT = { 'x-wait-timeout-ms': '10000' };

/** Reads with `X-Min-Position` right after the ack, then checks the answer holds the article. */
async function visibleAfter(
  system: RunningSystem,
  service: 'rss' | 'graph',
  articleId: string,
  position: number,
  ackAt: number,
) {
  const headers = { ...WAIT, 'x-min-position': String(position) };
  let response: Response;
  if (service === 'rss') {
    response = await fetch(system.url('rss', '/feed/business'), { headers });
  } else {
    response = await fetch(system.url('graph', '/graphql'), {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({
        query: `{ article(id: ${JSON.stringify(articleId)}) { id status } }`,
      }),
    });
  }
  const body = await response.text();
  const elapsed = performance.now() - ackAt;
  const visible =
    service === 'rss' ? body.includes(`>${articleId}</guid>`) : body.includes('"PUBLISHED"');
  if (!response.ok || !visible) {
    throw new Error(
      `${service} did not show ${articleId} at position ${position}: ${response.status} ${body.slice(0, 300)}`,
    );
  }
  return elapsed;
}

/** Figure 4: ack to visible in rss and graph, over the embedded transport, then over Kafka. */
export async function benchFreshness(ctx: BenchContext): Promise<void> {
  await measureFreshness(ctx, 'embedded', {});
  progress('freshness: starting a Kafka broker (infra/kafka) unless one is running');
  const kafka = await ensureKafka();
  try {
    await measureFreshness(ctx, 'kafka', {
      TRANSPORT: 'kafka',
      KAFKA_BROKERS: kafka.brokers.join(','),
      // Topics of its own: no other run's events, and nothing to catch up on.
      KAFKA_TOPIC_PREFIX: `bench-${randomUUID().slice(0, 8)}-`,
    });
  } finally {
    if (kafka.startedHere) await stopKafka();
  }
  Object.assign(ctx.sizes, {
    freshnessSamplesPerRun: ctx.options.freshnessSamples,
    freshnessTransports: FRESHNESS_TRANSPORTS.join(','),
  });
}

async function measureFreshness(
  ctx: BenchContext,
  transport: FreshnessTransport,
  env: Record<string, string>,
): Promise<void> {
  const { runs, freshnessSamples: samples } = ctx.options;
  const payloads = new AppendPayloads(3);
  progress(`freshness: starting the event-sourced system (${transport})`);
  const systemEnv = { ...env, ARTICLES_SEED: 'false' };
  await withSystem(ctx, EVENT_SOURCED_SERVICES, systemEnv, async (system) => {
    const commands = createArticlesCommands(`127.0.0.1:${system.ports.articles}`);
    try {
      const registered = await commands.registerAuthor({
        authorId: BENCH_AUTHOR.id,
        name: BENCH_AUTHOR.name,
      });
      for (const service of ['rss', 'graph'] as const) {
        await waitForPosition(system.url(service, '/'), registered.globalPosition, {
          timeoutMs: 60_000,
        });
      }
      for (let run = 1; run <= runs; run++) {
        progress(`freshness: ${transport}, run ${run}/${runs}, ${samples} publications`);
        const lag: Record<'rss' | 'graph', number[]> = { rss: [], graph: [] };
        for (let i = 0; i < samples; i++) {
          const articleId = benchArticleId(`fresh-${transport}-${run}`, 0, i);
          await commands.draftArticle({
            articleId,
            title: payloads.title(i),
            body: payloads.body(i),
            category: 'business',
            authorId: BENCH_AUTHOR.id,
          });
          const { globalPosition } = await commands.publishArticle({ articleId });
          const ackAt = performance.now();
          const [rss, graph] = await Promise.all([
            visibleAfter(system, 'rss', articleId, globalPosition, ackAt),
            visibleAfter(system, 'graph', articleId, globalPosition, ackAt),
          ]);
          lag.rss.push(rss);
          lag.graph.push(graph);
        }
        for (const service of ['rss', 'graph'] as const) {
          const sorted = lag[service].sort((a, b) => a - b);
          record(ctx, freshnessFigure(transport, service, 'p50'), percentile(sorted, 50));
          record(ctx, freshnessFigure(transport, service, 'p99'), percentile(sorted, 99));
        }
      }
    } finally {
      commands.close();
    }
  });
}
