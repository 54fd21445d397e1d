import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';
import { startService, type RunningService } from './process.js';

export const READ_SERVICES = ['graph', 'rss', 'sitemap'] as const;

export interface SystemPorts {
  articles: number;
  articlesMetrics: number;
  graph: number;
  rss: number;
  sitemap: number;
}

export async function freeSystemPorts(): Promise<SystemPorts> {
  return {
    articles: await freePort(),
    articlesMetrics: await freePort(),
    graph: await freePort(),
    rss: await freePort(),
    sitemap: await freePort(),
  };
}

/** Also points the read side at articles' port. */
export function systemPortsEnv(ports: SystemPorts): Record<string, string> {
  return {
    ARTICLES_PORT: String(ports.articles),
    ARTICLES_METRICS_PORT: String(ports.articlesMetrics),
    ARTICLES_ADDRESS: `127.0.0.1:${ports.articles}`,
    GRAPH_PORT: String(ports.graph),
    RSS_PORT: String(ports.rss),
    SITEMAP_PORT: String(ports.sitemap),
  };
}

export class RunningSystem {
  constructor(
    readonly servicesDir: string,
    readonly ports: SystemPorts,
    readonly dataDir: string,
    readonly services: Record<'articles' | (typeof READ_SERVICES)[number], RunningService>,
    private readonly env: Record<string, string>,
  ) {}

  url(service: 'graph' | 'rss' | 'sitemap', path: string): string {
    return `http://127.0.0.1:${this.ports[service]}${path}`;
  }

  async restart(name: keyof RunningSystem['services']): Promise<RunningService> {
    await this.services[name].stop();
    const started = await startService({
      name,
      dir: join(this.servicesDir, name),
      env: this.env,
      readyPort: name === 'articles' ? this.ports.articles : this.ports[name],
    });
    this.services[name] = started;
    return started;
  }

  async stop(): Promise<void> {
    await Promise.all(Object.values(this.services).map((s) => s.stop()));
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** `servicesDir` holds one package per service; the coupled and event-sourced systems both fit. */
export async function startSystem(
  servicesDir: string,
  extraEnv: Record<string, string> = {},
): Promise<RunningSystem> {
  const ports = await freeSystemPorts();
  const dataDir = mkdtempSync(join(tmpdir(), 'fairflax-'));
  const env = { ...systemPortsEnv(ports), DATA_DIR: dataDir, ...extraEnv };
  const articles = await startService({
    name: 'articles',
    dir: join(servicesDir, 'articles'),
    env,
    readyPort: ports.articles,
  });
  const [graph, rss, sitemap] = await Promise.all(
    READ_SERVICES.map((name) =>
      startService({ name, dir: join(servicesDir, name), env, readyPort: ports[name] }),
    ),
  );
  return new RunningSystem(
    servicesDir,
    ports,
    dataDir,
    { articles, graph: graph!, rss: rss!, sitemap: sitemap! },
    env,
  );
}
