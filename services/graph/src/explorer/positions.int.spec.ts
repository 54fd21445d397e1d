import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { servePositions } from './positions.js';

const servers: Server[] = [];
let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** A stand-in read service whose /healthz answers as `respond` says. */
async function healthz(respond: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(respond);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function graphWith(services: Record<string, string>, requests = { count: 0 }) {
  app = Fastify();
  app.get('/healthz', () => {
    requests.count++;
    return { status: 'ok', position: 40, feed: { connected: true, headPosition: 42 } };
  });
  servePositions(app, '/explorer/positions', { services, timeoutMs: 300, reuseMs: 60_000 });
  await app.ready();
  return app;
}

describe('the read services positions', () => {
  it("reports graph's position, the log's head and each service's position from its /healthz", async () => {
    const rss = await healthz((_req, res) => res.end(JSON.stringify({ position: 41 })));
    const app = await graphWith({ rss });

    const res = await app.inject({ method: 'GET', url: '/explorer/positions' });

    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.json()).toEqual({
      head: 42,
      services: [
        { service: 'graph', position: 40 },
        { service: 'rss', position: 41 },
      ],
    });
  });

  it('reports a service that answers late, badly or not at all, without waiting past the limit', async () => {
    const slow = await healthz(() => undefined);
    const failing = await healthz((_req, res) => res.writeHead(503).end());
    const huge = await healthz((_req, res) =>
      res.end(`{"position":1,"x":"${'x'.repeat(100_000)}"}`),
    );
    const app = await graphWith({ slow, failing, huge, gone: 'http://127.0.0.1:1' });

    const res = await app.inject({ method: 'GET', url: '/explorer/positions' });

    expect(res.json().services).toEqual([
      { service: 'graph', position: 40 },
      { service: 'slow', position: null, problem: 'no answer within 300 ms' },
      { service: 'failing', position: null, problem: 'its /healthz answered 503' },
      { service: 'huge', position: null, problem: 'its /healthz answer is not readable' },
      { service: 'gone', position: null, problem: 'unreachable' },
    ]);
  });

  it('reads the services once for many pages asking at the same time', async () => {
    let asked = 0;
    const rss = await healthz((_req, res) => {
      asked++;
      res.end('{"position":7}');
    });
    const graphAsked = { count: 0 };
    const app = await graphWith({ rss }, graphAsked);

    const answers = await Promise.all(
      Array.from({ length: 20 }, () => app.inject({ method: 'GET', url: '/explorer/positions' })),
    );

    expect(answers.every((res) => res.json().services[1].position === 7)).toBe(true);
    expect(asked).toBe(1);
    expect(graphAsked.count).toBe(1);
  });
});
