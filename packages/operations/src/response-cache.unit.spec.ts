import { openReadModel, ProjectionRunner } from '@fairflax/projections';
import {
  authorRegistered,
  authorRows,
  authorsProjection,
  eventLog,
} from '@fairflax/projections/testing';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { responseCache } from './response-cache.js';

const apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

/** Routes that count how often they render; `/feed/:name` knows only registered names. */
async function cachedService() {
  const db = openReadModel(':memory:');
  const runner = new ProjectionRunner(db, authorsProjection());
  const names: string[] = [];
  const rendered: string[] = [];
  const app = Fastify();
  apps.push(app);
  app.get('/feed', (request, reply) => {
    rendered.push(request.url);
    return reply.type('application/rss+xml').send(`<feed at="${runner.globalPosition()}"/>`);
  });
  app.get<{ Params: { name: string } }>('/feed/:name', (request, reply) => {
    rendered.push(request.url);
    if (!names.includes(request.params.name)) return reply.code(404).send({ title: 'Not Found' });
    return reply.type('application/rss+xml').send(`<feed name="${request.params.name}"/>`);
  });
  app.get('/authors', (request, reply) => {
    rendered.push(request.url);
    const rows = authorRows(db) as { name: string }[];
    return reply.type('text/plain; charset=utf-8').send(rows.map((r) => r.name).join(','));
  });
  app.get('/news', (request) => {
    rendered.push(request.url);
    return { at: Date.now() };
  });
  responseCache(['/feed', '/feed/:name', '/authors']).http(app, runner);
  await app.ready();
  const log = eventLog();
  return {
    rendered,
    register: (name: string) => {
      names.push(name);
      runner.applyBatch(log([authorRegistered(name)]));
    },
    /** As a dead-letter replay does: applied outside any delivery, the position stays. */
    replay: (name: string) =>
      runner.applyOutsideDeliveries((apply) => {
        names.push(name);
        for (const { event } of log([authorRegistered(name)])) apply(event);
      }),
    position: () => runner.globalPosition(),
    get: (url: string) => app.inject({ method: 'GET', url }),
  };
}

describe('responseCache', () => {
  it('answers again from the cache, with the same body and type, until the read model moves', async () => {
    const s = await cachedService();
    s.register('a');
    const first = await s.get('/feed');
    const second = await s.get('/feed?utm=1');
    expect(second.body).toBe(first.body);
    expect(second.headers['content-type']).toBe('application/rss+xml');
    expect(s.rendered).toEqual(['/feed']);

    s.register('b');
    const moved = await s.get('/feed');
    expect(moved.body).toBe('<feed at="2"/>');
    expect(s.rendered).toEqual(['/feed', '/feed']);
  });

  it('keeps one answer per path parameter, and never a failed one', async () => {
    const s = await cachedService();
    s.register('a');
    for (let i = 0; i < 2; i++) {
      expect((await s.get('/feed/a')).statusCode).toBe(200);
      expect((await s.get('/feed/nobody')).statusCode).toBe(404);
    }
    expect(s.rendered).toEqual(['/feed/a', '/feed/nobody', '/feed/nobody']);
  });

  it('leaves routes it was not given alone', async () => {
    const s = await cachedService();
    await s.get('/news');
    await s.get('/news');
    expect(s.rendered).toEqual(['/news', '/news']);
  });

  it('answers anew after a replay that changed the read model without moving its position', async () => {
    const s = await cachedService();
    s.register('Ann');
    expect((await s.get('/authors')).body).toBe('Ann');
    const position = s.position();
    s.replay('Bo');
    expect(s.position()).toBe(position);
    expect((await s.get('/authors')).body).toBe('Ann,Bo');
    expect(s.rendered).toEqual(['/authors', '/authors']);
  });

  it('answers a hit with the same bytes and length as the first answer, whatever the text', async () => {
    const s = await cachedService();
    s.register('Sofía Márquez');
    const first = await s.get('/authors');
    const hit = await s.get('/authors');
    expect(s.rendered).toEqual(['/authors']);
    expect(hit.rawPayload.equals(first.rawPayload)).toBe(true);
    expect(hit.body).toBe('Sofía Márquez');
    expect(hit.headers['content-length']).toBe(String(Buffer.byteLength('Sofía Márquez')));
    expect(hit.headers['content-type']).toBe('text/plain; charset=utf-8');
  });
});
