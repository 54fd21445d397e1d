/** Runs the crash test per seed (options: README); exits 1 on a discrepancy, 2 on a failed run. */
import { parseArgs } from 'node:util';
import {
  DELIVERY_MODES,
  formatReport,
  formatSummary,
  runCrashTest,
  stopCrashBroker,
  type CrashReport,
  type DeliveryMode,
} from '../system-tests/crash/index.js';

function usage(message: string): never {
  process.stderr.write(
    `${message}\nusage: pnpm crash-test [--seed N | --seeds 1,2,3] [--commands N] [--concurrency N] ` +
      `[--delivery ${DELIVERY_MODES.join('|')}] [--load N] [--processor-kills N] [--commit-kills N] [--json] [--keep-data]\n`,
  );
  process.exit(2);
}

function integer(name: string, value: string, min: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < min)
    usage(`--${name} must be an integer of at least ${min}, got "${value}"`);
  return n;
}

const { values } = parseArgs({
  options: {
    seed: { type: 'string' },
    seeds: { type: 'string' },
    commands: { type: 'string', default: '5000' },
    concurrency: { type: 'string', default: '8' },
    delivery: { type: 'string', default: 'exactly-once' },
    load: { type: 'string', default: '0' },
    'processor-kills': { type: 'string', default: '0' },
    'commit-kills': { type: 'string', default: '0' },
    json: { type: 'boolean', default: false },
    'keep-data': { type: 'boolean' },
  },
});
if (values.seed !== undefined && values.seeds !== undefined)
  usage('give --seed or --seeds, not both');
const seeds = (values.seeds ?? values.seed ?? '1').split(',').flatMap((part) => {
  const range = /^\s*(\d+)\s*-\s*(\d+)\s*$/.exec(part);
  if (!range) return [integer('seed', part, 0)];
  const [from, to] = [Number(range[1]), Number(range[2])];
  if (to < from) usage(`--seeds range ${part} runs backwards`);
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
});
const load = integer('load', values.load, 0);
const processorKills = integer('processor-kills', values['processor-kills'], 0);
const commitKills = integer('commit-kills', values['commit-kills'], 0);
const commands = integer('commands', values.commands, 20);
const concurrency = integer('concurrency', values.concurrency, 1);
if (!(DELIVERY_MODES as readonly string[]).includes(values.delivery))
  usage(`--delivery must be one of ${DELIVERY_MODES.join(', ')}`);
const delivery = values.delivery as DeliveryMode;

// With --json, stdout carries the JSON alone: all progress, kafka.sh's included, goes to stderr.
const out = process.stdout.write.bind(process.stdout);
if (values.json) process.stdout.write = process.stderr.write.bind(process.stderr);
const say = (line: string) => process.stdout.write(`${line}\n`);

const reports: CrashReport[] = [];
const failures: { seed: number; error: string }[] = [];
for (const seed of seeds) {
  try {
    const report = await runCrashTest({
      seed,
      commands,
      concurrency,
      delivery,
      load,
      processorKills,
      commitKills,
      log: say,
      ...(values['keep-data'] !== undefined && { keepData: values['keep-data'] }),
    });
    reports.push(report);
    say(`\n${formatReport(report)}\n`);
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    failures.push({ seed, error });
    say(`\nseed ${seed}: the run did not complete: ${error}\n`);
  }
}
if (values['keep-data'] !== true)
  await stopCrashBroker().catch((err: Error) =>
    say(`could not stop the crash test's broker: ${err.message}`),
  );
if (reports.length > 0) say(formatSummary(reports));
for (const { seed, error } of failures) say(`seed ${seed}: ERROR ${error.split('\n')[0]}`);
if (values.json) out(`${JSON.stringify({ reports, failures }, null, 2)}\n`);

process.exitCode = failures.length > 0 ? 2 : reports.some((r) => r.discrepancies > 0) ? 1 : 0;
