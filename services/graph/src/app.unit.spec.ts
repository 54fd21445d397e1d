import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { events as e, graphWithOneArticle, postGraphql } from '../test/support.js';

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
});

async function graph(feedStatus?: () => object) {
  const graph = await graphWithOneArticle(feedStatus && { feedStatus });
  app = graph.app;
  return graph;
}

const ARTICLE_X2 = '{ article(id: "x2") { id status } }';

describe('graph over HTTP', () => {
  it('reports its read model position and the feed status at /healthz', async () => {
    const { app } = await graph(() => ({ connected: true, headPosition: 7 }));

    const res = await app.inject({ method: 'GET', url: '/healthz' });

    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      status: 'ok',
      position: 3,
      feed: { connected: true, headPosition: 7 },
    });
  });

  it('serves GraphiQL', async () => {
    const { app } = await graph();

    const res = await app.inject({ method: 'GET', url: '/graphiql' });

    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
  });

  it('answers at once with the read model position when X-Min-Position is already applied', async () => {
    const { app } = await graph();

    const res = await postGraphql(
      app,
      '{ article(id: "x1") { id } }',
      {},
      { 'x-min-position': '3' },
    );

    expect(res.status).toBe(200);
    expect(res.headers['x-read-model-position']).toBe('3');
    expect(res.body.data).toEqual({ article: { id: 'x1' } });
  });

  it('waits for X-Min-Position and answers 503 problem+json when the read model does not get there in time', async () => {
    const { app } = await graph();
    const started = Date.now();

    const res = await app.inject({
      method: 'POST',
      url: '/graphql',
      payload: { query: ARTICLE_X2 },
      headers: { 'x-min-position': '5', 'x-wait-timeout-ms': '50' },
    });

    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    expect(res.statusCode).toBe(503);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.headers['retry-after']).toBe('1');
    expect(res.json()).toMatchObject({ status: 503, title: 'Service Unavailable' });
  });

  it('answers a request waiting on X-Min-Position as soon as the read model applies that position', async () => {
    const { app, side } = await graph();

    const pending = postGraphql(
      app,
      ARTICLE_X2,
      {},
      { 'x-min-position': '5', 'x-wait-timeout-ms': '5000' },
    );
    await new Promise((r) => setTimeout(r, 20));
    side.given(e.drafted('x2', 1), e.published('x2', 10));
    const res = await pending;

    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ article: { id: 'x2', status: 'PUBLISHED' } });
  });

  it('rejects an X-Min-Position that is not a position with 400', async () => {
    const { app } = await graph();

    const res = await app.inject({
      method: 'POST',
      url: '/graphql',
      payload: { query: ARTICLE_X2 },
      headers: { 'x-min-position': 'soon' },
    });

    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('does not hold /healthz back for X-Min-Position', async () => {
    const { app } = await graph();

    const res = await app.inject({
      method: 'GET',
      url: '/healthz',
      headers: { 'x-min-position': '999', 'x-wait-timeout-ms': '5000' },
    });

    expect(res.statusCode).toBe(200);
  });
});
