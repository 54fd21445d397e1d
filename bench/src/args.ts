import { parseArgs } from 'node:util';

export const FIGURE_GROUPS = ['append', 'rebuild', 'read', 'freshness', 'memory'] as const;
export type FigureGroup = (typeof FIGURE_GROUPS)[number];

export interface BenchOptions {
  events: number;
  runs: number;
  quick: boolean;
  only: readonly FigureGroup[];
  outDir: string;
  /** After a warm-up of a fifth of it. */
  appendSeconds: number;
  readSeconds: number;
  freshnessSamples: number;
  concurrency: number;
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const USAGE = `usage: pnpm bench [--events N] [--runs N] [--quick] [--only ${FIGURE_GROUPS.join(',')}] [--out DIR]

  --events N   events in the generated newsroom log (default 100000; quick 2000)
  --runs N     repetitions of each figure (default 3; quick 1)
  --quick      tiny sizes and one run: checks the harness, not the speed
  --only LIST  comma-separated figure groups to run (default: all)
  --out DIR    where latest.json, latest.md and latest.svg go (default bench/results)`;

function positiveInteger(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || !Number.isSafeInteger(Number(raw))) {
    throw new UsageError(`--${name} must be a positive integer, got "${raw}"`);
  }
  return Number(raw);
}

function groups(raw: string | undefined): FigureGroup[] {
  if (raw === undefined) return [...FIGURE_GROUPS];
  const names = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (names.length === 0) throw new UsageError('--only needs at least one figure group');
  for (const name of names) {
    if (!(FIGURE_GROUPS as readonly string[]).includes(name)) {
      throw new UsageError(
        `--only: unknown figure group "${name}"; known: ${FIGURE_GROUPS.join(', ')}`,
      );
    }
  }
  return FIGURE_GROUPS.filter((g) => names.includes(g));
}

export function parseBenchArgs(argv: readonly string[], defaultOutDir: string): BenchOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        events: { type: 'string' },
        runs: { type: 'string' },
        quick: { type: 'boolean', default: false },
        only: { type: 'string' },
        out: { type: 'string' },
      },
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const quick = values.quick === true;
  return {
    events: positiveInteger('events', values.events, quick ? 2_000 : 100_000),
    runs: positiveInteger('runs', values.runs, quick ? 1 : 3),
    quick,
    only: groups(values.only),
    outDir: values.out ?? defaultOutDir,
    appendSeconds: quick ? 0.25 : 1.2,
    readSeconds: quick ? 0.5 : 1.5,
    freshnessSamples: quick ? 5 : 200,
    concurrency: 16,
  };
}
