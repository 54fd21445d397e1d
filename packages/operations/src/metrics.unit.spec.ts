import type { FollowedSource } from '@fairflax/event-store';
import { openReadModel, ProjectionRunner } from '@fairflax/projections';
import { authorRegistered, authorsProjection, eventLog } from '@fairflax/projections/testing';
import { createMetricsRegistry, sendProblem } from '@fairflax/service-kit';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { DeadLetterParking } from './dead-letters.js';
import { metrics } from './metrics.js';
import { measureReadModel } from './read-model-metrics.js';

const apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

/** The embedded feed as the metrics see it: the log's end as last heard, and its connection. */
function feed() {
  const state = { head: 0, connected: true, reconnects: 0 };
  const source: FollowedSource = {
    batches: () => ({ [Symbol.asyncIterator]: () => ({ next: () => new Promise(() => {}) }) }),
    status: () => ({ connected: state.connected, reconnects: state.reconnects }),
    close: () => undefined,
    backlog: (applied) => new Map([['log', Math.max(0, state.head - applied.position('log'))]]),
  };
  return { state, source };
}

/** A read service in miniature, with the metrics extension wired as the runtime does. */
async function readService(service = 'rss') {
  const db = openReadModel(':memory:');
  const runner = new ProjectionRunner(db, authorsProjection(), {
    middleware: [new DeadLetterParking('authors')],
  });
  const { state, source } = feed();
  const app = Fastify();
  apps.push(app);
  app.get('/feed', () => 'all');
  app.get<{ Params: { category: string } }>('/feed/:category', (request, reply) =>
    sendProblem(reply, 404, 'Not Found', `nothing in ${request.params.category}`),
  );
  const extension = metrics({ service, projection: 'authors' });
  extension.follow(runner, source);
  extension.http(app);
  await app.ready();
  const log = eventLog();
  return {
    state,
    register: (...names: string[]) => runner.applyBatch(log(names.map((n) => authorRegistered(n)))),
    get: (url: string) => app.inject({ method: 'GET', url }),
    exposition: async () => (await app.inject({ method: 'GET', url: '/metrics' })).body,
  };
}

function sample(text: string, line: string): number | undefined {
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  return found === undefined ? undefined : Number(found.slice(line.length + 1));
}

describe('a read service’s metrics', () => {
  it('show the position, and a lag that goes to 0 once the read model has caught up', async () => {
    const rss = await readService();
    rss.state.head = 3;
    let text = await rss.exposition();
    expect(sample(text, 'fairflax_read_model_position{read_model="rss"}')).toBe(0);
    expect(sample(text, 'fairflax_read_model_lag_events{read_model="rss"}')).toBe(3);
    expect(sample(text, 'fairflax_consumer_lag_events{read_model="rss",source="log"}')).toBe(3);
    rss.register('ana', 'bo', 'cy');
    text = await rss.exposition();
    expect(sample(text, 'fairflax_read_model_position{read_model="rss"}')).toBe(3);
    expect(sample(text, 'fairflax_read_model_lag_events{read_model="rss"}')).toBe(0);
    expect(sample(text, 'fairflax_read_model_lag_seconds{read_model="rss"}')).toBe(0);
    expect(sample(text, 'fairflax_read_model_events_applied_total{read_model="rss"}')).toBe(3);
  });

  it('count a 404 under its route pattern, never the raw path, and unmatched paths as one label', async () => {
    const rss = await readService();
    expect((await rss.get('/feed/business')).statusCode).toBe(404);
    expect((await rss.get('/feed/politics')).statusCode).toBe(404);
    expect((await rss.get('/feed')).statusCode).toBe(200);
    for (let i = 0; i < 20; i++) await rss.get(`/random-${i}?x=${i}`);
    const text = await rss.exposition();
    expect(
      sample(text, 'http_requests_total{route="/feed/:category",method="GET",status_code="404"}'),
    ).toBe(2);
    expect(sample(text, 'http_requests_total{route="/feed",method="GET",status_code="200"}')).toBe(
      1,
    );
    expect(
      sample(text, 'http_requests_total{route="unmatched",method="GET",status_code="404"}'),
    ).toBe(20);
    expect(sample(text, 'http_request_duration_seconds_count{route="/feed",method="GET"}')).toBe(1);
    expect(text).not.toContain('business');
    expect(text).not.toContain('random-');
  });

  it('show how long the read model has been behind, from when it was first seen behind', async () => {
    const clock = { now: 1_000_000 };
    const db = openReadModel(':memory:');
    const runner = new ProjectionRunner(db, authorsProjection());
    const { state, source } = feed();
    const registry = createMetricsRegistry();
    measureReadModel(registry, runner, source, {
      readModel: 'graph',
      projection: 'authors',
      now: () => clock.now,
    });
    const lagSeconds = async () =>
      sample(await registry.metrics(), 'fairflax_read_model_lag_seconds{read_model="graph"}');
    state.head = 2;
    expect(await lagSeconds()).toBe(0);
    clock.now += 300_000;
    expect(await lagSeconds()).toBe(300);
    runner.applyBatch(eventLog()([authorRegistered('ana'), authorRegistered('bo')]));
    expect(await lagSeconds()).toBe(0);
  });

  it('count the dead letters parked, the feed reconnects and the connection', async () => {
    const rss = await readService();
    rss.register('ana');
    rss.register('ana');
    rss.state.reconnects = 2;
    rss.state.connected = false;
    const text = await rss.exposition();
    expect(sample(text, 'fairflax_read_model_dead_letters_parked{read_model="rss"}')).toBe(1);
    expect(sample(text, 'fairflax_read_model_events_applied_total{read_model="rss"}')).toBe(1);
    expect(sample(text, 'fairflax_read_model_feed_reconnects_total{read_model="rss"}')).toBe(2);
    expect(sample(text, 'fairflax_read_model_feed_connected{read_model="rss"}')).toBe(0);
  });

  it('keep each service’s metrics in its own registry, beside its process metrics', async () => {
    const rss = await readService('rss');
    const sitemap = await readService('sitemap');
    rss.register('ana');
    const rssText = await rss.exposition();
    const sitemapText = await sitemap.exposition();
    expect(sample(rssText, 'fairflax_read_model_position{read_model="rss"}')).toBe(1);
    expect(rssText).not.toContain('read_model="sitemap"');
    expect(sample(sitemapText, 'fairflax_read_model_position{read_model="sitemap"}')).toBe(0);
    expect(sitemapText).toMatch(/^process_cpu_user_seconds_total \d/m);
  });
});
