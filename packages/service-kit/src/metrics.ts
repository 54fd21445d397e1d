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

export async function startMetricsServer(
  host: string,
  port: number,
  counters: readonly Counter[],
): Promise<Server> {
  const server = createServer((req, res) => {
    const fail = (status: number, detail: string, headers: Record<string, string> = {}) =>
      res
        .writeHead(status, { 'content-type': PROBLEM_CONTENT_TYPE, ...headers })
        .end(JSON.stringify(problem(status, undefined, detail)));
    if (req.url?.split('?', 1)[0] !== '/metrics') {
      fail(404, 'nothing is served at this path; metrics are at /metrics');
    } else if (req.method !== 'GET' && req.method !== 'HEAD') {
      fail(405, `${req.method} is not served at this path; GET, HEAD are`, { allow: 'GET, HEAD' });
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
