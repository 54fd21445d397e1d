import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { graphWithOneArticle } from '../test/support.js';

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
});

async function graph(feedStatus?: () => object) {
  const graph = await graphWithOneArticle(feedStatus && { feedStatus });
  app = graph.app;
  return graph;
}

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
});
