/** `pnpm bench`: writes results/latest.{json,md,svg}; progress goes to stderr. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseBenchArgs, USAGE, UsageError, type FigureGroup } from './args.js';
import { BENCH_DIR, progress, type BenchContext } from './harness.js';
import { machineInfo } from './machine.js';
import {
  computeRatios,
  formatNumber,
  Recorder,
  renderMarkdown,
  type BenchReport,
} from './report.js';
import { renderRatioChart } from './svg.js';

let options;
try {
  if (process.argv.includes('--help')) {
    console.log(USAGE);
    process.exit(0);
  }
  options = parseBenchArgs(process.argv.slice(2), join(BENCH_DIR, 'results'));
} catch (err) {
  if (!(err instanceof UsageError)) throw err;
  console.error(`${err.message}\n\n${USAGE}`);
  process.exit(64);
}

const machine = machineInfo();
const recorder = new Recorder((meta, value) =>
  progress(`  ${meta.label}: ${formatNumber(value)} ${meta.unit}`),
);
const tmpDir = mkdtempSync(join(tmpdir(), 'fairflax-bench-'));
const stoppers = new Set<() => Promise<unknown>>();
const ctx: BenchContext = {
  options,
  recorder,
  tmpDir,
  sizes: { events: options.events, runs: options.runs, quick: options.quick },
  onInterrupt: (stop) => {
    stoppers.add(stop);
    return () => stoppers.delete(stop);
  },
};

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    progress(`${signal}: stopping ${stoppers.size} running part(s)`);
    void Promise.allSettled([...stoppers].map((stop) => stop())).finally(() => {
      rmSync(tmpDir, { recursive: true, force: true });
      process.exit(130);
    });
  });
}

const GROUPS: Record<FigureGroup, () => Promise<{ run: (c: BenchContext) => Promise<void> }>> = {
  append: async () => ({ run: (await import('./append.js')).benchAppend }),
  rebuild: async () => ({ run: (await import('./rebuild.js')).benchRebuild }),
  read: async () => ({ run: (await import('./read-path.js')).benchReadPath }),
  freshness: async () => ({ run: (await import('./freshness.js')).benchFreshness }),
  memory: async () => ({ run: (await import('./memory.js')).benchMemory }),
};

progress(
  `${options.only.join(', ')}; ${options.runs} run(s), ${options.events} events${options.quick ? ', quick' : ''}`,
);
const errors: BenchReport['errors'] = [];
for (const group of options.only) {
  try {
    const { run } = await GROUPS[group]();
    await run(ctx);
  } catch (err) {
    const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
    progress(`${group} FAILED: ${message}`);
    errors.push({ group, message });
  }
}
rmSync(tmpDir, { recursive: true, force: true });

const figures = recorder.figures();
const report: BenchReport = {
  machine,
  sizes: ctx.sizes,
  figures,
  ratios: computeRatios(figures),
  errors,
};
mkdirSync(options.outDir, { recursive: true });
writeFileSync(join(options.outDir, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
const markdown = renderMarkdown(report);
writeFileSync(join(options.outDir, 'latest.md'), markdown);
writeFileSync(join(options.outDir, 'latest.svg'), renderRatioChart(report.ratios));
process.stderr.write(`\n${markdown}\n`);
progress(`wrote latest.json, latest.md and latest.svg to ${options.outDir}`);
process.exit(errors.length > 0 ? 1 : 0);
