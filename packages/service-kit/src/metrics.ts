import { createServer, type Server } from 'node:http';
import { collectDefaultMetrics, Counter, Registry } from 'prom-client';
import { problem, problemClientError, PROBLEM_CONTENT_TYPE } from './problem.js';

/**
 * A service's own registry, never prom-client's global one: tests and one-process mode run
 * several services in one process, each serving only its metrics (and the process's).
 */
export function createMetricsRegistry(): Registry {
  return new Registry();
}

let processMetrics: Registry | undefined;

/**
 * The exposition of `registry` with Node's process metrics (CPU, memory, event-loop delay, GC).
 * Those are the process's, so they are collected once per process (their collectors sample
 * the event loop and watch GC until it exits), however many services it runs.
 */
export function metricsText(registry: Registry): Promise<string> {
  if (processMetrics === undefined) {
    processMetrics = new Registry();
    collectDefaultMetrics({ register: processMetrics });
  }
  return Registry.merge([processMetrics, registry]).metrics();
}

export function grpcCallCounter(registry?: Registry): Counter<'grpc_method'> {
  return new Counter({
    name: 'grpc_server_handled_total',
    help: 'gRPC calls received, per method',
    labelNames: ['grpc_method'],
    registers: registry ? [registry] : [],
  });
}

/** The body of `GET /healthz`; a rejection is answered 503, so a broken dependency shows. */
export type HealthCheck = () => Promise<object> | object;

/** Serves `registry` at /metrics and, given `health`, its answer at /healthz. */
export async function startMetricsServer(
  host: string,
  port: number,
  registry: Registry,
  health?: HealthCheck,
): Promise<Server> {
  const paths = health ? ['/metrics', '/healthz'] : ['/metrics'];
  const server = createServer((req, res) => {
    const fail = (status: number, detail: string, headers: Record<string, string> = {}) =>
      res
        .writeHead(status, { 'content-type': PROBLEM_CONTENT_TYPE, ...headers })
        .end(JSON.stringify(problem(status, undefined, detail)));
    const path = req.url?.split('?', 1)[0] ?? '';
    if (!paths.includes(path)) {
      fail(404, `nothing is served at this path; this server serves ${paths.join(', ')}`);
    } else if (req.method !== 'GET' && req.method !== 'HEAD') {
      fail(405, `${req.method} is not served at this path; GET, HEAD are`, { allow: 'GET, HEAD' });
    } else if (path === '/healthz' && health) {
      Promise.resolve()
        .then(health)
        .then(
          (body) =>
            res
              .writeHead(200, { 'content-type': 'application/json; charset=utf-8' })
              .end(JSON.stringify(body)),
          () => fail(503, 'the health check failed'),
        );
    } else {
      metricsText(registry).then(
        (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
        () => fail(500, 'the metrics could not be collected'),
      );
    }
  });
  server.on('clientError', problemClientError);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  return server;
}
