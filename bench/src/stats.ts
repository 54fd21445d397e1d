/** A figure measured several times: the spread is part of the result on a shared machine. */
export interface Summary {
  min: number;
  median: number;
  max: number;
  runs: number[];
}

export function summarise(values: readonly number[]): Summary {
  if (values.length === 0) throw new RangeError('cannot summarise zero runs');
  for (const v of values) {
    if (!Number.isFinite(v)) throw new RangeError(`a run measured a non-finite value (${v})`);
  }
  const sorted = [...values].sort((a, b) => a - b);
  return {
    min: sorted[0]!,
    median: percentile(sorted, 50),
    max: sorted[sorted.length - 1]!,
    runs: [...values],
  };
}

/** Linear between the two nearest ranks: an even count's median is the middle two's mean. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new RangeError('no values');
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be within 0..100, got ${p}`);
  const rank = (p / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  const a = sorted[low]!;
  const b = sorted[high]!;
  return a + (b - a) * (rank - low);
}

/** Run i over run i, so a slow moment of the shared machine weighs on both sides of a ratio. */
export function pairedRatios(
  numerator: readonly number[],
  denominator: readonly number[],
): number[] {
  const n = Math.min(numerator.length, denominator.length);
  if (n === 0) throw new RangeError('no paired runs');
  const ratios: number[] = [];
  for (let i = 0; i < n; i++) {
    const d = denominator[i]!;
    if (d === 0) throw new RangeError(`run ${i + 1} of the denominator is zero`);
    ratios.push(numerator[i]! / d);
  }
  return ratios;
}

export function perSecond(operations: number, elapsedMs: number): number {
  if (elapsedMs <= 0) throw new RangeError(`elapsed time must be positive, got ${elapsedMs} ms`);
  return (operations * 1000) / elapsedMs;
}
