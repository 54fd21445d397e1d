import { Counter, Histogram, metricsText, type Registry } from '@fairflax/service-kit';
import type { FastifyInstance } from 'fastify';

/** The label of requests no route matched: the raw path would let a client add labels at will. */
export const UNMATCHED_ROUTE = 'unmatched';
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * Counts and times every request under its route pattern (`/feed/:category`, never
 * `/feed/business`), its method and its status, and serves `registry` at `GET /metrics`: a
 * label set per route, method and status, so the exposition stays the same size whatever is
 * asked.
 */
export function serveHttpMetrics(app: FastifyInstance, registry: Registry): void {
  const registers = [registry];
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by route pattern, method and status',
    labelNames: ['route', 'method', 'status_code'],
    registers,
  });
  const seconds = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by route pattern and method',
    labelNames: ['route', 'method'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? UNMATCHED_ROUTE;
    const method = METHODS.has(request.method) ? request.method : 'other';
    requests.inc({ route, method, status_code: String(reply.statusCode) });
    seconds.observe({ route, method }, reply.elapsedTime / 1000);
    done();
  });
  app.get('/metrics', async (_request, reply) =>
    reply.type(registry.contentType).send(await metricsText(registry)),
  );
}
