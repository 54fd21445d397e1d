import type { FigureGroup } from './args.js';

export interface FigureMeta {
  id: string;
  group: FigureGroup;
  label: string;
  unit: string;
}

const fig = (group: FigureGroup, id: string, label: string, unit: string): FigureMeta => ({
  id,
  group,
  label,
  unit,
});

export const READ_ENDPOINTS = [
  { key: 'feed', label: 'rss GET /feed' },
  { key: 'feed-business', label: 'rss GET /feed/business' },
  { key: 'sitemap', label: 'sitemap GET /sitemap' },
  { key: 'graphql', label: 'graph POST /graphql articles(count: 20)' },
] as const;
export type ReadEndpoint = (typeof READ_ENDPOINTS)[number]['key'];
export type ReadSystem = 'es' | 'coupled';

const readFigures = (system: ReadSystem, endpoint: ReadEndpoint, label: string): FigureMeta[] => {
  const name = `${system === 'es' ? 'event-sourced' : 'coupled'} ${label}`;
  return [
    fig('read', `read.${system}.${endpoint}.rps`, name, 'req/s'),
    fig('read', `read.${system}.${endpoint}.p50`, `${name}, p50 latency`, 'ms'),
    fig('read', `read.${system}.${endpoint}.p99`, `${name}, p99 latency`, 'ms'),
  ];
};

export const READ_SERVICES_MEASURED = ['articles', 'graph', 'rss', 'sitemap'] as const;
/** Ceilings for a 100k-event log: a write service holds no copy of the log. */
const MEMORY_TARGET_MB = { articles: 120, graph: 200, rss: 120, sitemap: 120 } as const;
export const PROJECTIONS = ['graph', 'rss', 'sitemap'] as const;
export const FRESHNESS_TRANSPORTS = ['embedded', 'kafka'] as const;
export type FreshnessTransport = (typeof FRESHNESS_TRANSPORTS)[number];

/** Embedded figures keep their first ids, so earlier runs compare. */
export const freshnessFigure = (
  transport: FreshnessTransport,
  service: 'rss' | 'graph',
  percentile: 'p50' | 'p99',
): string => `freshness.${transport === 'embedded' ? '' : `${transport}.`}${service}.${percentile}`;

/** p99 from the command's acknowledgement to the read answering with it. */
const FRESHNESS_TARGET_MS = { embedded: 15, kafka: 150 } as const;
/** The feed must outrun a projection at the rebuild goal (50k events/s) caught up at 0.8 of it. */
const FEED_ALONE_TARGET = 62_500;

export const FIGURES: readonly FigureMeta[] = [
  fig('append', 'append.raw.tx1', 'raw better-sqlite3 insert, 1 row per transaction', 'rows/s'),
  fig(
    'append',
    'append.raw.tx100',
    'raw better-sqlite3 insert, 100 rows per transaction',
    'rows/s',
  ),
  fig(
    'append',
    'append.store.sequential',
    'SqliteEventStore.append, expected version, sequential',
    'appends/s',
  ),
  fig(
    'append',
    'append.emmett.sequential',
    'Emmett SQLite appendToStream, expected version, sequential',
    'appends/s',
  ),
  fig(
    'append',
    'append.app.c1',
    'ArticlesApplication in-process, draft+publish, 1 at a time',
    'commands/s',
  ),
  fig(
    'append',
    'append.app.c16',
    'ArticlesApplication in-process, draft+publish, 16 concurrent',
    'commands/s',
  ),
  fig('append', 'append.grpc.c1', 'articles over gRPC, draft+publish, 1 at a time', 'commands/s'),
  fig(
    'append',
    'append.grpc.c16',
    'articles over gRPC, draft+publish, 16 concurrent',
    'commands/s',
  ),
  fig(
    'append',
    'append.grpc-ceiling.c16',
    'articles gRPC server on a no-op application, 16 concurrent (transport ceiling)',
    'commands/s',
  ),
  fig(
    'append',
    'append.import',
    'pnpm import-articles over gRPC (ImportArticles), draft+publish per line, 100 per transaction',
    'rows/s',
  ),
  ...PROJECTIONS.map((p) =>
    fig(
      'rebuild',
      `rebuild.${p}`,
      `rebuild ${p} read model (applyBatch, batches as a catch-up arrives)`,
      'events/s',
    ),
  ),
  ...READ_ENDPOINTS.flatMap((e) => readFigures('es', e.key, e.label)),
  ...READ_ENDPOINTS.flatMap((e) => readFigures('coupled', e.key, e.label)),
  fig('read', 'read.hello.rps', 'fastify hello world (ceiling)', 'req/s'),
  fig('read', 'read.hello.p50', 'fastify hello world, p50 latency', 'ms'),
  fig('read', 'read.hello.p99', 'fastify hello world, p99 latency', 'ms'),
  fig(
    'read',
    'read.hello-feed-size.rps',
    'fastify answering a constant body as large as rss /feed (ceiling)',
    'req/s',
  ),
  ...FRESHNESS_TRANSPORTS.flatMap((t) =>
    (['rss', 'graph'] as const).flatMap((s) =>
      (['p50', 'p99'] as const).map((p) =>
        fig(
          'freshness',
          freshnessFigure(t, s, p),
          `command ack → visible in ${s}, ${p}${t === 'embedded' ? '' : ` (${t})`}`,
          'ms',
        ),
      ),
    ),
  ),
  fig(
    'memory',
    'memory.catchup',
    'graph+rss+sitemap from cold start to caught up over the gRPC feed (in parallel)',
    'events/s',
  ),
  ...READ_SERVICES_MEASURED.map((s) =>
    fig('memory', `memory.${s}`, `${s} resident memory (VmRSS) with the log loaded`, 'MB'),
  ),
  fig(
    'memory',
    'catchup.feed',
    'event feed alone: the log over gRPC, decoded and dropped by one follower',
    'events/s',
  ),
  ...PROJECTIONS.map((p) =>
    fig(
      'memory',
      `catchup.${p}`,
      `${p} alone from process start to caught up over the gRPC feed`,
      'events/s',
    ),
  ),
];

export function figureMeta(id: string): FigureMeta {
  const meta = FIGURES.find((f) => f.id === id);
  if (!meta) throw new RangeError(`no figure "${id}" in the catalogue`);
  return meta;
}

/**
 * Without `denominator`, a figure on its own against its target; without `target`, a figure
 * reported for comparison only. `atMost`: the target is a ceiling (memory, latency).
 */
export interface RatioSpec {
  id: string;
  label: string;
  numerator: string;
  denominator?: string;
  target?: number;
  atMost?: boolean;
  unit: '×' | 'events/s' | 'MB' | 'ms';
}

export const RATIOS: readonly RatioSpec[] = [
  {
    id: 'store-vs-raw',
    label: 'sequential appends (expected version) ÷ raw 1-per-tx',
    numerator: 'append.store.sequential',
    denominator: 'append.raw.tx1',
    target: 0.5,
    unit: '×',
  },
  {
    id: 'grpc16-vs-raw',
    label: '16 concurrent commands over gRPC ÷ raw 1-per-tx',
    numerator: 'append.grpc.c16',
    denominator: 'append.raw.tx1',
    target: 1,
    unit: '×',
  },
  {
    id: 'grpc16-vs-ceiling',
    label: '16 concurrent commands over gRPC ÷ the no-op gRPC ceiling',
    numerator: 'append.grpc.c16',
    denominator: 'append.grpc-ceiling.c16',
    target: 0.8,
    unit: '×',
  },
  {
    id: 'import-vs-raw100',
    label: 'archive import over gRPC ÷ raw 100-per-tx',
    numerator: 'append.import',
    denominator: 'append.raw.tx100',
    target: 0.5,
    unit: '×',
  },
  {
    id: 'store-vs-emmett',
    label: 'our sequential appends ÷ Emmett SQLite sequential appends',
    numerator: 'append.store.sequential',
    denominator: 'append.emmett.sequential',
    unit: '×',
  },
  ...PROJECTIONS.map((p): RatioSpec => ({
    id: `rebuild-${p}`,
    label: `rebuild ${p}`,
    numerator: `rebuild.${p}`,
    target: 50_000,
    unit: 'events/s',
  })),
  {
    id: 'feed-vs-hello',
    label: 'rss /feed ÷ fastify hello world',
    numerator: 'read.es.feed.rps',
    denominator: 'read.hello.rps',
    target: 0.85,
    unit: '×',
  },
  {
    id: 'graphql-vs-hello',
    label: 'graph articles(count: 20) ÷ fastify hello world',
    numerator: 'read.es.graphql.rps',
    denominator: 'read.hello.rps',
    target: 0.35,
    unit: '×',
  },
  {
    id: 'feed-vs-its-size',
    label: 'rss /feed ÷ fastify answering a constant body of its size',
    numerator: 'read.es.feed.rps',
    denominator: 'read.hello-feed-size.rps',
    unit: '×',
  },
  {
    id: 'feed-vs-coupled',
    label: 'rss /feed ÷ coupled rss /feed',
    numerator: 'read.es.feed.rps',
    denominator: 'read.coupled.feed.rps',
    target: 5,
    unit: '×',
  },
  ...FRESHNESS_TRANSPORTS.flatMap((t) =>
    (['rss', 'graph'] as const).map((s): RatioSpec => ({
      id: t === 'embedded' ? `freshness-${s}` : `freshness-${t}-${s}`,
      label: `command ack → visible in ${s}, p99 (${t})`,
      numerator: freshnessFigure(t, s, 'p99'),
      target: FRESHNESS_TARGET_MS[t],
      atMost: true,
      unit: 'ms',
    })),
  ),
  {
    id: 'feed-alone',
    label: 'event feed alone (goal: 50k rebuild ÷ 0.8)',
    numerator: 'catchup.feed',
    target: FEED_ALONE_TARGET,
    unit: 'events/s',
  },
  ...PROJECTIONS.map((p): RatioSpec => ({
    id: `catchup-vs-rebuild-${p}`,
    label: `${p} catch-up over the feed ÷ its rebuild`,
    numerator: `catchup.${p}`,
    denominator: `rebuild.${p}`,
    target: 0.8,
    unit: '×',
  })),
  ...READ_SERVICES_MEASURED.map((s): RatioSpec => ({
    id: `memory-${s}`,
    label: `${s} resident memory with the log loaded`,
    numerator: `memory.${s}`,
    target: MEMORY_TARGET_MB[s],
    atMost: true,
    unit: 'MB',
  })),
];
