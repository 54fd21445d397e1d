import { describe, expect, it } from 'vitest';
import type { Ratio } from './report.js';
import { summarise } from './stats.js';
import { axisMaximum, escapeSvgText, renderRatioChart } from './svg.js';

const ratio = (
  id: string,
  runs: number[],
  target: number | undefined,
  unit: Ratio['unit'] = '×',
  atMost = false,
): Ratio => {
  const value = summarise(runs);
  const met =
    target === undefined ? undefined : atMost ? value.median <= target : value.median >= target;
  return { id, label: `label ${id}`, unit, value, target, atMost, met };
};

/** [x, width] of each bar, by its data-ratio id. */
function bars(svg: string): Map<string, { x: number; width: number; fill: string }> {
  const out = new Map<string, { x: number; width: number; fill: string }>();
  for (const m of svg.matchAll(
    /<rect class="bar" data-ratio="([^"]+)" x="([\d.]+)" y="[\d.]+" width="([\d.]+)" height="[\d.]+" fill="(#\w+)"/g,
  )) {
    out.set(m[1]!, { x: Number(m[2]), width: Number(m[3]), fill: m[4]! });
  }
  return out;
}

describe('renderRatioChart', () => {
  const ratios = [
    ratio('half', [0.25, 0.25, 0.25], 0.5),
    ratio('double', [2, 2, 2], 1),
    ratio('rate', [25_000], 50_000, 'events/s'),
    ratio('memory', [240], 120, 'MB', true),
    ratio('untargeted', [9], undefined),
  ];
  const svg = renderRatioChart(ratios);

  it('draws a ceiling as target ÷ measured, and leaves out a figure without a target', () => {
    const drawn = bars(svg);
    expect(drawn.get('memory')!.width).toBeCloseTo(drawn.get('half')!.width, 0);
    expect(drawn.get('memory')!.fill).toBe(drawn.get('half')!.fill);
    expect(drawn.has('untargeted')).toBe(false);
    expect(svg).toContain('240 (target ≤ 120)');
  });

  it('is one standalone SVG document', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg.match(/<svg/g)).toHaveLength(1);
  });

  it('draws one bar per ratio with a target, scaled by the fraction of its target reached', () => {
    const drawn = bars(svg);
    expect([...drawn.keys()]).toEqual(['half', 'double', 'rate', 'memory']);
    // half and rate both reach 50% of their target; double reaches 200%.
    expect(drawn.get('half')!.width).toBeCloseTo(drawn.get('rate')!.width, 1);
    expect(drawn.get('double')!.width).toBeCloseTo(4 * drawn.get('half')!.width, 0);
  });

  it('colours met targets green and missed ones red', () => {
    const drawn = bars(svg);
    expect(drawn.get('double')!.fill).toBe('#2e7d32');
    expect(drawn.get('half')!.fill).toBe('#c62828');
  });

  it('labels bars with the measured value and the target', () => {
    expect(svg).toContain('0.250× (target 0.500×)');
    expect(svg).toContain('25,000 (target 50,000)');
  });

  it('marks the target line', () => {
    expect(svg).toContain('>target</text>');
  });

  it('escapes labels', () => {
    const chart = renderRatioChart([{ ...ratio('x', [1], 1), label: 'a < b & "c"' }]);
    expect(chart).toContain('a &lt; b &amp; &quot;c&quot;');
    expect(chart).not.toContain('a < b');
  });

  it('renders an empty chart when no ratio was measured', () => {
    const chart = renderRatioChart([]);
    expect(bars(chart).size).toBe(0);
    expect(chart).toContain('</svg>');
  });
});

describe('axisMaximum', () => {
  it('is at least twice the target and covers the largest whisker', () => {
    expect(axisMaximum([ratio('a', [0.1], 1)])).toBe(2);
    expect(axisMaximum([ratio('a', [1, 3.2], 1)])).toBe(4);
    expect(axisMaximum([ratio('a', [20, 31], 10)])).toBe(4);
  });
});

describe('escapeSvgText', () => {
  it('escapes the XML specials', () => {
    expect(escapeSvgText(`<&>"`)).toBe('&lt;&amp;&gt;&quot;');
  });
});
