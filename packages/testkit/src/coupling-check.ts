import type { RunningSystem } from './system.js';
import { waitFor } from './ports.js';

/** The three problems of the coupled design, measurable on any version of the system. */
export interface CouplingReport {
  /** (a) HTTP status of each read endpoint while articles is stopped. */
  statusWithArticlesDown: Record<string, number>;
  /** (b) gRPC calls articles served per read request, per endpoint. */
  grpcCallsPerRead: Record<string, number>;
  /** (c) whether `search(text:)` answers with results. */
  search: { supported: boolean; detail: string };
}

// Valid against both schemas: a list (the coupled system) or a connection.
const ARTICLES_QUERY = '{ articles(count: 20) { __typename } }';
const SEARCH_QUERY = '{ search(text: "wind") { id title } }';

interface Probe {
  name: string;
  request: (system: RunningSystem) => Promise<Response>;
}

const graphql = (system: RunningSystem, query: string) =>
  fetch(system.url('graph', '/graphql'), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });

export const READ_PROBES: readonly Probe[] = [
  { name: 'GET rss /feed', request: (s) => fetch(s.url('rss', '/feed')) },
  { name: 'GET rss /feed/business', request: (s) => fetch(s.url('rss', '/feed/business')) },
  { name: 'GET sitemap /sitemap', request: (s) => fetch(s.url('sitemap', '/sitemap')) },
  { name: 'POST graph articles(count: 20)', request: (s) => graphql(s, ARTICLES_QUERY) },
];

/**
 * Calls served other than the log feed's `Subscribe`: that is one long call per follower, which
 * a read service may open again (a reconnect) while the reads are counted.
 */
export async function grpcCallsServed(system: RunningSystem): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${system.ports.articlesMetrics}/metrics`);
  const text = await res.text();
  let total = 0;
  for (const line of text.split('\n')) {
    const match = /^grpc_server_handled_total\{grpc_method="([^"]*)"\} (\d+)$/.exec(line);
    if (match && match[1] !== 'Subscribe') total += Number(match[2]);
  }
  return total;
}

async function probeSearch(system: RunningSystem): Promise<CouplingReport['search']> {
  const res = await graphql(system, SEARCH_QUERY);
  const body = (await res.json()) as {
    data?: { search?: { id: string }[] };
    errors?: { message: string; extensions?: { code?: string } }[];
  };
  const hits = body.data?.search;
  if (hits && hits.length > 0)
    return { supported: true, detail: `${hits.length} results for "wind"` };
  const error = body.errors?.[0];
  return {
    supported: false,
    detail: error ? `${error.extensions?.code ?? res.status}: ${error.message}` : 'no results',
  };
}

/** Stops articles at the end (check (a)): run it on a system of its own. */
export async function checkCoupling(
  system: RunningSystem,
  readsPerProbe = 10,
): Promise<CouplingReport> {
  // Event-sourced read models fill asynchronously: wait until the feed shows articles.
  await waitFor('the feed to list articles', async () => {
    const res = await fetch(system.url('rss', '/feed'));
    return res.ok && (await res.text()).includes('<item>');
  });

  const grpcCallsPerRead: Record<string, number> = {};
  for (const probe of READ_PROBES) {
    const before = await grpcCallsServed(system);
    for (let i = 0; i < readsPerProbe; i++) {
      const res = await probe.request(system);
      if (!res.ok) throw new Error(`${probe.name} answered ${res.status}: ${await res.text()}`);
      await res.arrayBuffer();
    }
    grpcCallsPerRead[probe.name] = ((await grpcCallsServed(system)) - before) / readsPerProbe;
  }

  const search = await probeSearch(system);

  await system.services.articles.stop();
  const statusWithArticlesDown: Record<string, number> = {};
  for (const probe of READ_PROBES) {
    const res = await probe.request(system);
    await res.arrayBuffer();
    statusWithArticlesDown[probe.name] = res.status;
  }
  return { statusWithArticlesDown, grpcCallsPerRead, search };
}

export function formatCouplingReport(report: CouplingReport): string {
  const rows = READ_PROBES.map(
    (p) =>
      `| ${p.name} | ${report.statusWithArticlesDown[p.name] ?? '-'} | ${report.grpcCallsPerRead[p.name] ?? '-'} |`,
  );
  return [
    '| read | status with articles stopped | gRPC calls to articles per read |',
    '| --- | --- | --- |',
    ...rows,
    '',
    `search: ${report.search.supported ? 'yes' : 'no'} (${report.search.detail})`,
  ].join('\n');
}
