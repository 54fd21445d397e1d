import { describe, expect, it } from 'vitest';
import { pairedRatios, percentile, perSecond, summarise } from './stats.js';

describe('summarise', () => {
  it('gives min, median and max, and keeps the runs in measured order', () => {
    expect(summarise([30, 10, 20])).toEqual({ min: 10, median: 20, max: 30, runs: [30, 10, 20] });
  });

  it('takes the mean of the middle two as the median of an even count', () => {
    expect(summarise([4, 1, 3, 2]).median).toBe(2.5);
  });

  it('summarises a single run as itself', () => {
    expect(summarise([7])).toEqual({ min: 7, median: 7, max: 7, runs: [7] });
  });

  it('refuses no runs and non-finite values', () => {
    expect(() => summarise([])).toThrow(/zero runs/);
    expect(() => summarise([1, Number.NaN])).toThrow(/non-finite/);
    expect(() => summarise([Infinity])).toThrow(/non-finite/);
  });
});

describe('percentile', () => {
  const values = Array.from({ length: 101 }, (_, i) => i); // 0..100

  it('reads exact ranks', () => {
    expect(percentile(values, 0)).toBe(0);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 100)).toBe(100);
  });

  it('interpolates between neighbours', () => {
    expect(percentile([10, 20], 50)).toBe(15);
    expect(percentile([1, 2, 3, 4], 99)).toBeCloseTo(3.97);
  });

  it('rejects an empty list and percentiles out of range', () => {
    expect(() => percentile([], 50)).toThrow(/no values/);
    expect(() => percentile([1], 101)).toThrow(/within 0..100/);
    expect(() => percentile([1], Number.NaN)).toThrow(/within 0..100/);
  });
});

describe('pairedRatios', () => {
  it('divides run i by run i', () => {
    expect(pairedRatios([10, 30, 8], [5, 10, 4])).toEqual([2, 3, 2]);
  });

  it('pairs only as many runs as both sides have', () => {
    expect(pairedRatios([10, 20, 30], [10])).toEqual([1]);
  });

  it('refuses a zero denominator and empty input', () => {
    expect(() => pairedRatios([1], [0])).toThrow(/zero/);
    expect(() => pairedRatios([], [1])).toThrow(/no paired runs/);
  });
});

describe('perSecond', () => {
  it('turns a count over milliseconds into a rate per second', () => {
    expect(perSecond(500, 250)).toBe(2000);
  });

  it('refuses a non-positive duration', () => {
    expect(() => perSecond(1, 0)).toThrow(/positive/);
  });
});
