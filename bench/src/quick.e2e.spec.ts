import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tsNodeArgs } from '@fairflax/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIGURES, RATIOS } from './figures.js';

const benchDir = fileURLToPath(new URL('..', import.meta.url));

/**
 * `pnpm bench --quick` end to end: it must start every system, measure every figure and write
 * complete results. Speed is not judged here (the machine is shared); completeness is.
 */
describe('pnpm bench --quick', () => {
  const outDir = mkdtempSync(join(tmpdir(), 'fairflax-bench-e2e-'));
  let exitCode: number | null = null;
  let stderr = '';
  let report: any;

  beforeAll(async () => {
    const child = spawn(
      process.execPath,
      [...tsNodeArgs('src/main.ts'), '--quick', '--out', outDir],
      {
        cwd: benchDir,
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    exitCode = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    report = JSON.parse(readFileSync(join(outDir, 'latest.json'), 'utf8'));
  }, 300_000);

  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it('exits 0 with no failed figure group', () => {
    expect(report.errors, stderr).toEqual([]);
    expect(exitCode, stderr).toBe(0);
  });

  it('measures every figure of the catalogue, each a positive number', () => {
    const missing = FIGURES.map((f) => f.id).filter((id) => report.figures[id] === undefined);
    expect(missing).toEqual([]);
    for (const meta of FIGURES) {
      const { summary, unit } = report.figures[meta.id];
      expect(unit).toBe(meta.unit);
      expect(summary.runs.length, meta.id).toBeGreaterThan(0);
      for (const value of [summary.min, summary.median, summary.max, ...summary.runs]) {
        expect(Number.isFinite(value) && value > 0, `${meta.id} = ${value}`).toBe(true);
      }
    }
  });

  it('computes every ratio, each judged against its target', () => {
    expect(report.ratios.map((r: any) => r.id)).toEqual(RATIOS.map((r) => r.id));
    for (const ratio of report.ratios) {
      expect(ratio.value.median).toBeGreaterThan(0);
      expect(ratio.met).toBe(
        ratio.target === undefined
          ? undefined
          : ratio.atMost
            ? ratio.value.median <= ratio.target
            : ratio.value.median >= ratio.target,
      );
    }
  });

  it('records the machine and the sizes it ran with', () => {
    expect(report.machine.cores).toBeGreaterThan(0);
    expect(report.machine.cpuModel).not.toBe('');
    expect(report.machine.node).toBe(process.version);
    expect(report.sizes).toMatchObject({ events: 2000, runs: 1, quick: true });
  });

  it('writes the markdown table and the SVG chart next to the JSON', () => {
    const md = readFileSync(join(outDir, 'latest.md'), 'utf8');
    for (const r of RATIOS) expect(md).toContain(r.label);
    const svg = readFileSync(join(outDir, 'latest.svg'), 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    const targeted = RATIOS.filter((r) => r.target !== undefined);
    expect(svg.match(/class="bar"/g)).toHaveLength(targeted.length);
    expect(existsSync(join(outDir, 'latest.json'))).toBe(true);
  });
});
