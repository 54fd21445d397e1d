import { createServer, type Server } from 'node:http';

/**
 * A labelled counter in the Prometheus text format: enough for the few numbers the services
 * expose, without pulling in a metrics library.
 */
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

/** Serves `GET /metrics` for the given counters on its own port. */
export async function startMetricsServer(
  host: string,
  port: number,
  counters: readonly Counter[],
): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.url === '/metrics') {
      res
        .writeHead(200, { 'content-type': 'text/plain; version=0.0.4' })
        .end(counters.map((c) => c.exposition()).join(''));
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  return server;
}
