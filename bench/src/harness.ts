import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchOptions } from './args.js';
import { figureMeta } from './figures.js';
import type { Recorder } from './report.js';

export const BENCH_DIR = fileURLToPath(new URL('..', import.meta.url));
export const REPO_ROOT = join(BENCH_DIR, '..');
export const EVENT_SOURCED_SERVICES = join(REPO_ROOT, 'services');
export const COUPLED_SERVICES = join(REPO_ROOT, 'tutorial/coupled/services');

export interface BenchContext {
  options: BenchOptions;
  recorder: Recorder;
  tmpDir: string;
  sizes: Record<string, number | string | boolean>;
  onInterrupt: (stop: () => Promise<unknown>) => () => void;
}

const started = Date.now();

export function progress(message: string): void {
  const seconds = ((Date.now() - started) / 1000).toFixed(1).padStart(6);
  process.stderr.write(`[bench ${seconds}s] ${message}\n`);
}

export function record(ctx: BenchContext, id: string, value: number): void {
  ctx.recorder.record(figureMeta(id), value);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface TimedResult {
  operations: number;
  elapsedMs: number;
}

/** After an uncounted warm-up of a fifth of `seconds`; `operation` returns how many it did. */
export async function timedLoop(
  seconds: number,
  concurrency: number,
  operation: (worker: number, i: number) => Promise<number>,
): Promise<TimedResult> {
  let counting = false;
  let operations = 0;
  let stopAt = performance.now() + seconds * 200;
  const next = new Array<number>(concurrency).fill(0);
  const worker = async (w: number) => {
    while (performance.now() < stopAt) {
      const done = await operation(w, next[w]!++);
      if (counting) operations += done;
    }
  };
  // Warm-up: all workers run, then drain, so that no warm-up call is counted.
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  counting = true;
  const start = performance.now();
  stopAt = start + seconds * 1000;
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  return { operations, elapsedMs: performance.now() - start };
}

export function timedSyncLoop(seconds: number, operation: (i: number) => number): TimedResult {
  let i = 0;
  const warmUntil = performance.now() + seconds * 200;
  while (performance.now() < warmUntil) operation(i++);
  let operations = 0;
  const start = performance.now();
  const stopAt = start + seconds * 1000;
  while (performance.now() < stopAt) operations += operation(i++);
  return { operations, elapsedMs: performance.now() - start };
}

export function residentMegabytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!match) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]) / 1024;
}

export async function getJson<T>(url: string, init?: RequestInit): Promise<T> {
  const response = await fetch(url, init);
  if (!response.ok)
    throw new Error(`${init?.method ?? 'GET'} ${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}
