import { describe, expect, it } from 'vitest';
import { figureMeta, FIGURES, RATIOS, type RatioSpec } from './figures.js';
import {
  computeRatios,
  formatNumber,
  Recorder,
  renderMarkdown,
  renderRatioTable,
  type BenchReport,
  type Figure,
  type MachineInfo,
} from './report.js';
import { summarise } from './stats.js';

const figure = (id: string, runs: number[]): Figure => ({
  ...figureMeta(id),
  summary: summarise(runs),
});

const machine: MachineInfo = {
  cpuModel: 'Test CPU',
  cores: 2,
  memoryBytes: 4 * 2 ** 30,
  node: 'v20.0.0',
  platform: 'linux test',
  date: '2026-01-01T00:00:00.000Z',
  loadAverage: [1, 0.5, 0.25],
};

describe('the figure catalogue', () => {
  it('has unique ids, and every ratio refers to figures in it', () => {
    const ids = FIGURES.map((f) => f.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const r of RATIOS) {
      expect(ids).toContain(r.numerator);
      if (r.denominator !== undefined) expect(ids).toContain(r.denominator);
    }
  });
});

describe('Recorder', () => {
  it('collects runs per figure and returns them in catalogue order', () => {
    const seen: string[] = [];
    const recorder = new Recorder((meta, value) => seen.push(`${meta.id}=${value}`));
    recorder.record(figureMeta('rebuild.rss'), 3);
    recorder.record(figureMeta('append.raw.tx1'), 10);
    recorder.record(figureMeta('rebuild.rss'), 1);
    const figures = recorder.figures();
    expect(Object.keys(figures)).toEqual(['append.raw.tx1', 'rebuild.rss']);
    expect(figures['rebuild.rss']?.summary).toEqual({ min: 1, median: 2, max: 3, runs: [3, 1] });
    expect(seen).toEqual(['rebuild.rss=3', 'append.raw.tx1=10', 'rebuild.rss=1']);
  });

  it('refuses a non-finite measurement', () => {
    expect(() =>
      new Recorder().record(figureMeta('rebuild.rss'), Number.POSITIVE_INFINITY),
    ).toThrow(/rebuild.rss/);
  });
});

describe('computeRatios', () => {
  const spec: RatioSpec = {
    id: 'a-vs-b',
    label: 'a ÷ b',
    numerator: 'append.store.sequential',
    denominator: 'append.raw.tx1',
    target: 0.5,
    unit: '×',
  };

  it('pairs runs by index and judges the median against the target', () => {
    const figures = {
      'append.store.sequential': figure('append.store.sequential', [50, 40, 90]),
      'append.raw.tx1': figure('append.raw.tx1', [100, 100, 100]),
    };
    const [ratio] = computeRatios(figures, [spec]);
    expect(ratio?.value).toEqual({ min: 0.4, median: 0.5, max: 0.9, runs: [0.5, 0.4, 0.9] });
    expect(ratio?.met).toBe(true);
  });

  it('reports a target missed when the median is below it', () => {
    const figures = {
      'append.store.sequential': figure('append.store.sequential', [10, 90, 20]),
      'append.raw.tx1': figure('append.raw.tx1', [100, 100, 100]),
    };
    expect(computeRatios(figures, [spec])[0]?.met).toBe(false);
  });

  it('uses the figure itself when a ratio has no denominator', () => {
    const absolute: RatioSpec = {
      id: 'r',
      label: 'rebuild rss',
      numerator: 'rebuild.rss',
      target: 50_000,
      unit: 'events/s',
    };
    const [ratio] = computeRatios({ 'rebuild.rss': figure('rebuild.rss', [60_000]) }, [absolute]);
    expect(ratio).toMatchObject({ met: true, value: { median: 60_000 } });
  });

  it('judges a ceiling met at or below it, and a figure without a target not at all', () => {
    const memory = figure('memory.articles', [110, 130, 125]);
    const ceiling: RatioSpec = {
      id: 'm',
      label: 'articles memory',
      numerator: 'memory.articles',
      target: 120,
      atMost: true,
      unit: 'MB',
    };
    expect(computeRatios({ 'memory.articles': memory }, [ceiling])[0]?.met).toBe(false);
    const lower = { 'memory.articles': figure('memory.articles', [100, 110, 130]) };
    expect(computeRatios(lower, [ceiling])[0]?.met).toBe(true);
    const plain = computeRatios(lower, [{ ...ceiling, target: undefined }])[0];
    expect(plain).toMatchObject({ target: undefined, met: undefined });
    expect(renderRatioTable([plain!])).toContain('| articles memory | 100 | 110 | 130 | – | – |');
  });

  it('leaves out ratios whose figures were not measured', () => {
    expect(computeRatios({ 'append.raw.tx1': figure('append.raw.tx1', [1]) }, [spec])).toEqual([]);
  });
});

describe('formatNumber', () => {
  it('uses fewer decimals the larger the number, with thousands separators', () => {
    expect(formatNumber(123456.7)).toBe('123,457');
    expect(formatNumber(12.345)).toBe('12.3');
    expect(formatNumber(1.2345)).toBe('1.23');
    expect(formatNumber(0.12345)).toBe('0.123');
  });
});

describe('renderMarkdown', () => {
  const figures = {
    'append.store.sequential': figure('append.store.sequential', [5_000, 6_000]),
    'append.raw.tx1': figure('append.raw.tx1', [20_000, 10_000]),
  };
  const report: BenchReport = {
    machine,
    sizes: { events: 100, runs: 2 },
    figures,
    ratios: computeRatios(figures),
    errors: [],
  };

  it('names the machine and the sizes', () => {
    const md = renderMarkdown(report);
    expect(md).toContain('Test CPU, 2 cores, 4.0 GiB, Node v20.0.0');
    expect(md).toContain('events 100, runs 2');
  });

  it('has one ratio row with min, median, max, target and whether it was met', () => {
    expect(renderMarkdown(report)).toContain(
      '| sequential appends (expected version) ÷ raw 1-per-tx | 0.250× | 0.425× | 0.600× | ≥ 0.500× | **no** |',
    );
  });

  it('has one row per figure with its unit', () => {
    expect(renderMarkdown(report)).toContain(
      '| raw better-sqlite3 insert, 1 row per transaction | rows/s | 10,000 | 15,000 | 20,000 |',
    );
  });

  it('lists failed groups by their first line only', () => {
    const md = renderMarkdown({
      ...report,
      errors: [{ group: 'read', message: 'boom\n    at stack' }],
    });
    expect(md).toContain('## Failed\n\n- read: boom\n');
    expect(md).not.toContain('at stack');
  });
});
