import { describe, expect, it } from 'vitest';
import { FIGURE_GROUPS, parseBenchArgs, UsageError } from './args.js';

const parse = (...argv: string[]) => parseBenchArgs(argv, '/out');

describe('parseBenchArgs', () => {
  it('defaults to 100k events, 3 runs and every figure group', () => {
    const options = parse();
    expect(options).toMatchObject({
      events: 100_000,
      runs: 3,
      quick: false,
      outDir: '/out',
      concurrency: 16,
    });
    expect(options.only).toEqual([...FIGURE_GROUPS]);
  });

  it('makes --quick tiny and single-run, with shorter measurements', () => {
    const quick = parse('--quick');
    const full = parse();
    expect(quick).toMatchObject({ quick: true, events: 2_000, runs: 1 });
    expect(quick.appendSeconds).toBeLessThan(full.appendSeconds);
    expect(quick.readSeconds).toBeLessThan(full.readSeconds);
    expect(quick.freshnessSamples).toBeLessThan(full.freshnessSamples);
  });

  it('lets explicit sizes override the quick defaults', () => {
    expect(parse('--quick', '--events', '500', '--runs', '2')).toMatchObject({
      events: 500,
      runs: 2,
      quick: true,
    });
  });

  it('runs --only groups once each, in the canonical order', () => {
    expect(parse('--only', 'memory, append,memory').only).toEqual(['append', 'memory']);
  });

  it('takes the output folder from --out', () => {
    expect(parse('--out', '/tmp/x').outDir).toBe('/tmp/x');
  });

  it.each([
    [['--events', '0'], /--events must be a positive integer/],
    [['--runs', 'three'], /--runs must be a positive integer/],
    [['--events', '1.5'], /--events must be a positive integer/],
    [['--only', 'append,speed'], /unknown figure group "speed"/],
    [['--only', ','], /at least one figure group/],
    [['--fast'], /Unknown option '--fast'/],
    [['extra'], /positional/],
  ])('rejects %j with a usage error', (argv, message) => {
    expect(() => parse(...argv)).toThrow(UsageError);
    expect(() => parse(...argv)).toThrow(message);
  });
});
