import { fileURLToPath } from 'node:url';
import { createArticlesCommands, type ArticlesCommands } from '@fairflax/publishing-api';
import { startSystem, waitForPosition, type RunningSystem } from '@fairflax/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const servicesDir = fileURLToPath(new URL('../../services', import.meta.url));
const READ_SERVICES = ['graph', 'rss', 'sitemap'] as const;

/** The value of one sample of a Prometheus text exposition, e.g. `name{label="value"}`. */
function sample(exposition: string, series: string): number | undefined {
  const line = exposition.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

async function metricsOf(url: string): Promise<string> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  return res.text();
}

describe('metrics, as real processes', { timeout: 90_000 }, () => {
  let system: RunningSystem;
  let commands: ArticlesCommands;

  beforeAll(async () => {
    system = await startSystem(servicesDir);
    commands = createArticlesCommands(`127.0.0.1:${system.ports.articles}`);
  }, 90_000);
  afterAll(async () => {
    commands?.close();
    await system?.stop();
  });

  it("shows every read model at articles' head with no lag, once each has applied the log", async () => {
    await commands.registerAuthor({ authorId: 'metrics-writer', name: 'Metrics Writer' });
    const { globalPosition } = await commands.draftArticle({
      articleId: 'metrics-1',
      title: 'Measured',
      body: 'B',
      category: 'business',
      authorId: 'metrics-writer',
    });
    for (const service of READ_SERVICES) {
      await waitForPosition(system.url(service, '/'), globalPosition, { timeoutMs: 30_000 });
    }

    const articles = await metricsOf(`http://127.0.0.1:${system.ports.articlesMetrics}/metrics`);
    expect(sample(articles, 'fairflax_event_store_head_position')).toBe(globalPosition);
    expect(sample(articles, 'grpc_server_handled_total{grpc_method="DraftArticle"}')).toBe(1);
    for (const service of READ_SERVICES) {
      const exposition = await metricsOf(system.url(service, '/metrics'));
      const series = (name: string) => `${name}{read_model="${service}"}`;
      expect(sample(exposition, series('fairflax_read_model_position'))).toBe(globalPosition);
      expect(sample(exposition, series('fairflax_read_model_lag_events'))).toBe(0);
      expect(sample(exposition, series('fairflax_read_model_feed_connected'))).toBe(1);
    }
  });

  it('counts requests by route pattern, never by the path asked', async () => {
    for (const category of ['business', 'politics', 'no-such-category']) {
      await fetch(system.url('rss', `/feed/${category}`));
    }

    const exposition = await metricsOf(system.url('rss', '/metrics'));
    const counted = exposition
      .split('\n')
      .filter((l) => l.startsWith('http_requests_total{') && l.includes('route="/feed/:category"'))
      .reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);
    expect(counted).toBe(3);
    expect(exposition).not.toContain('no-such-category');
  });
});
