import { formatRatioValue, type Ratio } from './report.js';

/** Roughly the width of one character at font-size 12 in a sans-serif font. */
const CHAR_WIDTH = 6.6;
const PLOT_WIDTH = 380;
const VALUE_WIDTH = 190;
const BAR_HEIGHT = 18;
const ROW_HEIGHT = 34;
const TOP = 46;

export function escapeSvgText(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

/** How far a value goes toward the ratio's target: 1 is the target, more is better. */
export function reached(r: Ratio, value: number): number {
  const target = r.target ?? value;
  return r.atMost ? target / value : value / target;
}

export function axisMaximum(ratios: readonly Ratio[]): number {
  const highest = Math.max(
    2,
    ...ratios.map((r) => Math.max(reached(r, r.value.min), reached(r, r.value.max))),
  );
  return Math.ceil(highest);
}

/** Each ratio as a fraction of its target, so all share one axis: bar = median, whisker = range. */
export function renderRatioChart(
  all: readonly Ratio[],
  title = 'Measured ÷ target (median; whiskers: min–max; for a ceiling, target ÷ measured)',
): string {
  const ratios = all.filter((r) => r.target !== undefined);
  const labelWidth = Math.ceil(
    Math.max(120, ...ratios.map((r) => r.label.length * CHAR_WIDTH)) + 16,
  );
  const width = labelWidth + PLOT_WIDTH + VALUE_WIDTH;
  const height = TOP + ratios.length * ROW_HEIGHT + 30;
  const axisMax = axisMaximum(ratios);
  const x = (fraction: number) => labelWidth + (Math.min(fraction, axisMax) / axisMax) * PLOT_WIDTH;
  const n = (v: number) => v.toFixed(1);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${escapeSvgText(title)}</text>`,
  ];
  for (let tick = 0; tick <= axisMax; tick++) {
    const tx = n(x(tick));
    out.push(
      `<line x1="${tx}" y1="${TOP - 8}" x2="${tx}" y2="${height - 26}" stroke="${tick === 1 ? '#333333' : '#dddddd'}" stroke-width="${tick === 1 ? 2 : 1}"${tick === 1 ? ' stroke-dasharray="4 3"' : ''}/>`,
      `<text x="${tx}" y="${height - 10}" text-anchor="middle">${tick === 1 ? 'target' : `${tick}×`}</text>`,
    );
  }
  ratios.forEach((r, i) => {
    const y = TOP + i * ROW_HEIGHT;
    const mid = y + BAR_HEIGHT / 2;
    const colour = r.met ? '#2e7d32' : '#c62828';
    const median = reached(r, r.value.median);
    const [low, high] = [reached(r, r.value.min), reached(r, r.value.max)].sort((a, b) => a - b);
    out.push(
      `<text x="${labelWidth - 8}" y="${n(mid + 4)}" text-anchor="end">${escapeSvgText(r.label)}</text>`,
      `<rect class="bar" data-ratio="${escapeSvgText(r.id)}" x="${labelWidth}" y="${y}" width="${n(x(median) - labelWidth)}" height="${BAR_HEIGHT}" fill="${colour}" fill-opacity="0.75"/>`,
      `<line x1="${n(x(low!))}" y1="${n(mid)}" x2="${n(x(high!))}" y2="${n(mid)}" stroke="#000000" stroke-width="1.5"/>`,
      `<text x="${n(x(Math.max(median, high!)) + 6)}" y="${n(mid + 4)}" stroke="#ffffff" stroke-width="3" paint-order="stroke">${escapeSvgText(
        `${formatRatioValue(r.value.median, r.unit)} (target ${r.atMost ? '≤ ' : ''}${formatRatioValue(r.target!, r.unit)})`,
      )}</text>`,
    );
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
