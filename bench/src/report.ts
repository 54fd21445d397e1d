import { FIGURES, RATIOS, type FigureMeta, type RatioSpec } from './figures.js';
import { pairedRatios, summarise, type Summary } from './stats.js';

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryBytes: number;
  node: string;
  platform: string;
  date: string;
  /** At the start: how busy the machine already was. */
  loadAverage: number[];
}

export interface Figure extends FigureMeta {
  summary: Summary;
}

export interface Ratio {
  id: string;
  label: string;
  unit: RatioSpec['unit'];
  value: Summary;
  /** Undefined: reported for comparison only. */
  target: number | undefined;
  /** The target is a ceiling. */
  atMost: boolean;
  /** The median reaches the target (is at most it, for a ceiling). Reported, never asserted. */
  met: boolean | undefined;
}

export interface BenchReport {
  machine: MachineInfo;
  sizes: Record<string, number | string | boolean>;
  figures: Record<string, Figure>;
  ratios: Ratio[];
  errors: { group: string; message: string }[];
}

export class Recorder {
  private readonly runs = new Map<string, number[]>();

  constructor(private readonly onRecord: (meta: FigureMeta, value: number) => void = () => {}) {}

  record(meta: FigureMeta, value: number): void {
    if (!Number.isFinite(value)) throw new RangeError(`${meta.id} measured ${value}`);
    const list = this.runs.get(meta.id) ?? [];
    list.push(value);
    this.runs.set(meta.id, list);
    this.onRecord(meta, value);
  }

  figures(): Record<string, Figure> {
    const out: Record<string, Figure> = {};
    for (const meta of FIGURES) {
      const values = this.runs.get(meta.id);
      if (values && values.length > 0) out[meta.id] = { ...meta, summary: summarise(values) };
    }
    return out;
  }
}

function metTarget(median: number, spec: Pick<RatioSpec, 'target' | 'atMost'>) {
  if (spec.target === undefined) return undefined;
  return spec.atMost ? median <= spec.target : median >= spec.target;
}

/** Runs are paired by index. */
export function computeRatios(figures: Record<string, Figure>, specs = RATIOS): Ratio[] {
  const out: Ratio[] = [];
  for (const spec of specs) {
    const top = figures[spec.numerator];
    const bottom = spec.denominator === undefined ? undefined : figures[spec.denominator];
    if (!top || (spec.denominator !== undefined && !bottom)) continue;
    const values = bottom ? pairedRatios(top.summary.runs, bottom.summary.runs) : top.summary.runs;
    const value = summarise(values);
    out.push({
      id: spec.id,
      label: spec.label,
      unit: spec.unit,
      value,
      target: spec.target,
      atMost: spec.atMost ?? false,
      met: metTarget(value.median, spec),
    });
  }
  return out;
}

export function formatNumber(value: number): string {
  const abs = Math.abs(value);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return value.toLocaleString('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

export function formatRatioValue(value: number, unit: Ratio['unit']): string {
  return unit === '×' ? `${formatNumber(value)}×` : formatNumber(value);
}

const row = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;

export function renderRatioTable(ratios: readonly Ratio[]): string {
  const lines = [
    row(['ratio', 'min', 'median', 'max', 'target', 'met']),
    row(['---', '---:', '---:', '---:', '---:', '---']),
  ];
  for (const r of ratios) {
    const f = (v: number) => formatRatioValue(v, r.unit);
    lines.push(
      row([
        r.label,
        f(r.value.min),
        f(r.value.median),
        f(r.value.max),
        r.target === undefined ? '–' : `${r.atMost ? '≤' : '≥'} ${f(r.target)}`,
        r.met === undefined ? '–' : r.met ? 'yes' : '**no**',
      ]),
    );
  }
  return lines.join('\n');
}

export function renderFigureTable(figures: Record<string, Figure>): string {
  const lines = [
    row(['figure', 'unit', 'min', 'median', 'max']),
    row(['---', '---', '---:', '---:', '---:']),
  ];
  for (const f of Object.values(figures)) {
    const { min, median, max } = f.summary;
    lines.push(row([f.label, f.unit, formatNumber(min), formatNumber(median), formatNumber(max)]));
  }
  return lines.join('\n');
}

export function renderMachine(m: MachineInfo): string {
  const gib = (m.memoryBytes / 2 ** 30).toFixed(1);
  const load = m.loadAverage.map((l) => l.toFixed(2)).join(' / ');
  return `${m.cpuModel}, ${m.cores} cores, ${gib} GiB, Node ${m.node}, ${m.platform}; load average at start ${load}; ${m.date}`;
}

export function renderMarkdown(report: BenchReport): string {
  const sizes = Object.entries(report.sizes)
    .map(([k, v]) => `${k} ${String(v)}`)
    .join(', ');
  const parts = [
    '# Fairflax benchmark',
    '',
    `Machine: ${renderMachine(report.machine)}.`,
    '',
    `Sizes: ${sizes}.`,
    '',
    '## Ratios (each run paired with the run of the same index)',
    '',
    report.ratios.length > 0
      ? renderRatioTable(report.ratios)
      : '_no ratio: its figures were not measured_',
    '',
    '## Figures',
    '',
    renderFigureTable(report.figures),
  ];
  if (report.errors.length > 0) {
    parts.push(
      '',
      '## Failed',
      '',
      ...report.errors.map((e) => `- ${e.group}: ${e.message.split('\n')[0]}`),
    );
  }
  return parts.join('\n') + '\n';
}
