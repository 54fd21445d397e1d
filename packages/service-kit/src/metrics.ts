import { createServer, type Server } from 'node:http';
import { problem, problemClientError, PROBLEM_CONTENT_TYPE } from './problem.js';

/** Prometheus text format: enough for the few numbers the services expose, without a library. */
export class Counter {
  private readonly values = new Map<string, number>();

  constructor(
    readonly name: string,
    readonly label: string,
  ) {}

  increment(labelValue: string, by = 1): void {
    this.values.set(labelValue, (this.values.get(labelValue) ?? 0) + by);
  }

  get(labelValue: string): number {
    return this.values.get(labelValue) ?? 0;
  }

  exposition(): string {
    const lines = [`# TYPE ${this.name} counter`];
    for (const [value, n] of this.values) lines.push(`${this.name}{${this.label}="${value}"} ${n}`);
    return lines.join('\n') + '\n';
  }
}

/** The body of `GET /healthz`; a rejection is answered 503, so a broken dependency shows. */
export type HealthCheck = () => Promise<object> | object;

/** Serves the counters at /metrics and, given `health`, its answer at /healthz. */
export async function startMetricsServer(
  host: string,
  port: number,
  counters: readonly Counter[],
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
      res
        .writeHead(200, { 'content-type': 'text/plain; version=0.0.4' })
        .end(counters.map((c) => c.exposition()).join(''));
    }
  });
  server.on('clientError', problemClientError);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  return server;
}
