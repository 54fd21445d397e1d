import { afterAll, describe, expect, it } from 'vitest';
import {
  formatReport,
  formatSummary,
  runCrashTest,
  stopCrashBroker,
  type CrashReport,
} from '../crash/index.js';

/**
 * The exactly-once promise, end to end, under crashes: articles (with its relay), one read
 * service and the stream processor SIGKILLed and the broker restarted while commands flow.
 * CRASH_SEEDS=1,2,3 and CRASH_COMMANDS=5000 by default, with one stream processor kill aimed
 * between produce and commit. CRASH_LONG=1 runs 10 seeds of 20000, then the loaded variant:
 * 20 seeds of 1500 with two busy loops beside the services, two more stream processor kills
 * and three in its commit window (CRASH_LOAD, CRASH_PROCESSOR_KILLS and CRASH_COMMIT_KILLS
 * set them for any run).
 * CRASH_KEEP_DATA=1 keeps each run's files and topics for a look afterwards.
 */
const long = process.env['CRASH_LONG'] === '1';
const seeds = (process.env['CRASH_SEEDS'] ?? (long ? '1,2,3,4,5,6,7,8,9,10' : '1,2,3'))
  .split(',')
  .map(Number);
const commands = Number(process.env['CRASH_COMMANDS'] ?? (long ? 20_000 : 5_000));
const concurrency = Number(process.env['CRASH_CONCURRENCY'] ?? 8);
const load = Number(process.env['CRASH_LOAD'] ?? 0);
const processorKills = Number(process.env['CRASH_PROCESSOR_KILLS'] ?? 0);
const commitKills = Number(process.env['CRASH_COMMIT_KILLS'] ?? 1);
// About a minute per 5000 commands, plus broker and consumer-group recovery; generous.
const timeoutOf = (commands: number, load: number) => (180_000 + commands * 60) * (1 + load);

interface Variant {
  name: string;
  seeds: number[];
  commands: number;
  load: number;
  processorKills: number;
  commitKills: number;
}
const variants: Variant[] = [
  { name: 'under crashes', seeds, commands, load, processorKills, commitKills },
  ...(long
    ? [
        {
          name: 'under crashes on a busy machine',
          seeds: Array.from({ length: 20 }, (_, i) => i + 1),
          commands: 1_500,
          load: 2,
          processorKills: 2,
          commitKills: 3,
        },
      ]
    : []),
];

for (const variant of variants)
  describe(`exactly-once delivery ${variant.name}`, () => {
    const { commands, load, processorKills, commitKills } = variant;
    const timeout = timeoutOf(commands, load);
    const reports: CrashReport[] = [];
    afterAll(async () => {
      if (process.env['CRASH_KEEP_DATA'] !== '1') await stopCrashBroker();
    }, 60_000);

    for (const seed of variant.seeds) {
      it(
        `loses and duplicates nothing, in the log, the read models and the counts (seed ${seed})`,
        { timeout },
        async () => {
          const report = await runCrashTest({
            seed,
            commands,
            concurrency,
            delivery: 'exactly-once',
            load,
            processorKills,
            commitKills,
            keepData: process.env['CRASH_KEEP_DATA'] === '1',
            log: (line) => console.log(line),
          });
          reports.push(report);
          console.log(`${formatReport(report)}\n\n${formatSummary(reports)}`);

          expect(report.faults.filter((f) => f.kind !== 'exit')).toHaveLength(
            4 + processorKills + commitKills,
          );
          // Every service rides out the broker restart; none gives up and exits on its own.
          expect(report.faults.filter((f) => f.kind === 'exit').map((f) => f.line)).toEqual([]);
          expect(report.commandStats.rejected, 'valid commands rejected').toBe(0);
          expect(report.commandStats.lost, 'acknowledged commands lost').toBe(0);
          expect(report.log.duplicates, 'duplicate records in the log').toBe(0);
          expect(report.log.missing, 'events missing from the log').toBe(0);
          expect(report.log.mismatched, 'log records unlike the store').toBe(0);
          for (const model of report.readModels) {
            const sensitive = model.orderSensitive.map((o) => o.table);
            expect(
              model.tables.filter((t) => !t.equal).map((t) => t.table),
              `${model.service} tables whose checksum differs from the rebuild` +
                (sensitive.length > 0 ? ` (order-sensitive tables: ${sensitive.join(', ')})` : ''),
            ).toEqual([]);
            expect(
              model.articles.versionMismatches,
              `${model.service} articles at the wrong version`,
            ).toBe(0);
            expect(model.articles.live, `${model.service} article count`).toBe(
              model.articles.store,
            );
            expect(model.deadLetters, `${model.service} events parked as dead letters`).toBe(0);
          }
          expect(report.stats.overcounted, 'overcounted statistics').toEqual([]);
          expect(report.stats.undercounted, 'undercounted statistics').toEqual([]);
          expect(report.stats.totalDifference).toBe(0);
          expect(
            report.stats.graphView.differing,
            "graph's categoryStats rows unlike the topic",
          ).toBe(0);
          expect(report.discrepancies).toBe(0);
        },
      );
    }
  });
