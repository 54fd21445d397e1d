import { describe, expect, it } from 'vitest';
import { assess } from './report.js';
import type { CrashReport, ShutdownRecord } from './types.js';

/** A run where everything matched, stopped as `shutdown` says. */
function cleanRun(shutdown: ShutdownRecord[]): Omit<CrashReport, 'discrepancies' | 'findings'> {
  return {
    seed: 1,
    commands: 20,
    concurrency: 1,
    delivery: 'exactly-once',
    load: 0,
    processorKills: 0,
    commitKills: 0,
    topicPrefix: 't-',
    durationMs: 1,
    phases: { startMs: 0, driveMs: 0, quiesceMs: 0, verifyMs: 0 },
    headPosition: 20,
    commandStats: {
      planned: 20,
      acknowledged: 20,
      rejected: 0,
      retries: 0,
      answeredAsRepeat: 0,
      lost: 0,
      byType: {},
      samples: [],
    },
    faults: [],
    log: {
      topics: [],
      records: 20,
      expected: 20,
      duplicates: 0,
      missing: 0,
      mismatched: 0,
      samples: { duplicates: [], missing: [], mismatched: [] },
    },
    readModels: [],
    stats: {
      topic: 'stats',
      keys: { expected: 0, actual: 0 },
      published: { expected: 0, actual: 0 },
      overcounted: [],
      undercounted: [],
      totalDifference: 0,
      graphView: { keys: 0, differing: 0, samples: [] },
      repartition: { keysDiffering: 0, publications: 0, samples: [] },
      equal: true,
    },
    shutdown,
  };
}

describe('the crash report', () => {
  it('names a service that would not stop, with its last lines, without counting it as a delivery failure', () => {
    const { discrepancies, findings } = assess(
      cleanRun([
        { service: 'rss', exitCode: 0, signal: null, ms: 300 },
        {
          service: 'graph',
          exitCode: 1,
          signal: null,
          ms: 10_000,
          logTail:
            '{"msg":"consumer did not disconnect cleanly"}\n{"msg":"shutdown timed out, exiting"}',
        },
      ]),
    );
    expect(discrepancies).toBe(0);
    expect(findings).toEqual([
      '(not counted) graph did not stop cleanly on SIGTERM: exit 1 after 10.0s; its last lines:\n' +
        '      {"msg":"consumer did not disconnect cleanly"}\n' +
        '      {"msg":"shutdown timed out, exiting"}',
    ]);
  });

  it('finds nothing in a clean run', () => {
    expect(assess(cleanRun([{ service: 'graph', exitCode: 0, signal: null, ms: 200 }]))).toEqual({
      discrepancies: 0,
      findings: [],
    });
  });
});
