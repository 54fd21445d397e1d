/**
 * `pnpm readme:check [--readme README.md]`: starts the system the way the README's "Run it"
 * says, on a fresh DATA_DIR and the README's default ports, runs each `sh runnable` block
 * against it with `bash -euo pipefail`, then stops it as Ctrl-C would. See branches.md.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { delimiter, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  ReadmeBlockError,
  runnableBlocks,
  startCommand,
  type RunnableBlock,
} from './readme-blocks.js';
import { acceptingPorts, endGroup, README_PORTS, StartedSystem } from './readme-system.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({
  options: {
    readme: { type: 'string', default: 'README.md' },
    'start-timeout': { type: 'string', default: '180' },
    'block-timeout': { type: 'string', default: '600' },
    verbose: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
  },
});
const seconds = (name: 'start-timeout' | 'block-timeout') => {
  const value = Number(values[name]);
  if (!(value > 0)) usage(`--${name} takes a number of seconds, not "${values[name]}"`);
  return value * 1000;
};
const startTimeoutMs = seconds('start-timeout');
const blockTimeoutMs = seconds('block-timeout');
const readme = values.readme;

function usage(message: string): never {
  console.error(`readme:check: ${message}`);
  process.exit(2);
}

let blocks: RunnableBlock[];
const markdown = readFileSync(resolve(root, readme), 'utf8');
try {
  blocks = runnableBlocks(markdown);
} catch (error) {
  if (!(error instanceof ReadmeBlockError)) throw error;
  usage(`${readme}:${error.message.replace(/^line /, '')}`);
}
const start = startCommand(markdown);
if (start === undefined) {
  usage(`${readme} has no "npx -y pnpm@10 install && npx -y pnpm@10 start" line to start from`);
}
if (blocks.length === 0) {
  console.log(`${readme}: no sh runnable blocks, nothing to check`);
  process.exit(0);
}
const busy = await acceptingPorts(README_PORTS);
if (busy.length > 0) {
  usage(
    `port ${busy.join(', ')} in use; the README's commands use ${README_PORTS.join(', ')}: ` +
      'stop what listens there (a running `pnpm start`?) first',
  );
}

const work = mkdtempSync(join(tmpdir(), 'readme-check-'));
const dataDir = join(work, 'data');
mkdirSync(dataDir);
/**
 * A learner's terminal: none of what `pnpm run` adds (npm_* variables, node_modules/.bin on
 * PATH), the README's configuration at its defaults, and data in a fresh directory.
 */
const env: NodeJS.ProcessEnv = Object.fromEntries(
  Object.entries(process.env).filter(
    ([name]) =>
      !/^npm_/i.test(name) &&
      !/^(TRANSPORT|KAFKA_BROKERS|ARTICLES_(HOST|PORT|METRICS_PORT|ADDRESS|SEED)|(GRAPH|RSS|SITEMAP)_(HOST|PORT))$/.test(
        name,
      ),
  ),
);
env['PATH'] = (process.env['PATH'] ?? '')
  .split(delimiter)
  .filter((dir) => !dir.split(sep).includes('node_modules'))
  .join(delimiter);
env['DATA_DIR'] = dataDir;

const began = Date.now();
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
console.log(
  `${readme}: ${blocks.length} runnable blocks. Starting the system as line ${start.line} says: ` +
    `${start.command}\n  DATA_DIR=${dataDir}\n  its output: ${join(work, 'system.log')}`,
);
const system = new StartedSystem(start.command, { cwd: root, env, log: join(work, 'system.log') });
let currentBlock: number | undefined;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    console.log(`\n${signal}: stopping the block and the system`);
    if (currentBlock !== undefined) endGroup(currentBlock, 'SIGKILL');
    void system.stop(30_000).then(() => process.exit(130));
  });
}

const results: { block: RunnableBlock; failure?: string; ms: number }[] = [];
let trouble = await system.waitUntilReady(startTimeoutMs, (line) => console.log(`  ${line}`));
if (trouble === undefined) {
  for (const [i, block] of blocks.entries()) {
    // A block may have killed a service (the supervisor restarts it): the next one waits for it.
    trouble = await system.waitUntilReady(startTimeoutMs, (line) => console.log(`  ${line}`));
    if (trouble !== undefined) break;
    results.push({ block, ...(await runBlock(block, join(work, `block-${i + 1}.sh`))) });
  }
}
if (trouble !== undefined) {
  console.log(`\nthe system is not ready: ${trouble}; its last lines:\n${system.tail(30)}`);
}
console.log('\nstopping the system (SIGINT, as Ctrl-C) ...');
const stop = await system.stop(30_000);
const stopped = 'ms' in stop;
console.log(
  'ms' in stop
    ? `stopped after ${secs(stop.ms)}`
    : `still running after 30 s, killed:\n${stop.killed}`,
);

const failed = results.filter((r) => r.failure !== undefined);
const notRun = blocks.slice(results.length);
console.log(`\n${readme}: ${results.length - failed.length} of ${blocks.length} blocks passed`);
for (const r of failed) console.log(`  ${readme}:${r.block.line} failed: ${r.failure}`);
for (const b of notRun) console.log(`  ${readme}:${b.line} not run: the system was not ready`);
if (!stopped) console.log('  the system did not stop within 30 s of SIGINT');
const ok = failed.length === 0 && notRun.length === 0 && trouble === undefined && stopped;
console.log(`${ok ? 'ok' : 'FAILED'} in ${secs(Date.now() - began)}`);
if (ok && !values.keep) rmSync(work, { recursive: true, force: true });
else console.log(`kept ${work} (system.log, data/, block-N.sh)`);
process.exit(ok ? 0 : 1);

/** Runs one block in a process group of its own, so that a timeout ends all it started. */
async function runBlock(block: RunnableBlock, file: string) {
  writeFileSync(file, block.script);
  console.log(`\n${readme}:${block.line}`);
  for (const line of block.script.trimEnd().split('\n')) console.log(`  $ ${line}`);
  const startedAt = Date.now();
  const child = spawn('bash', ['-euo', 'pipefail', file], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  currentBlock = child.pid;
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString('utf8');
    if (values.verbose) process.stdout.write(chunk);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    endGroup(child.pid!, 'SIGKILL');
  }, blockTimeoutMs);
  const closed = new Promise((resolve) => child.once('close', resolve));
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.once('exit', (...exit) => resolve(exit)),
  );
  const ms = Date.now() - startedAt;
  clearTimeout(timer);
  currentBlock = undefined;
  // What it left running in the background is its own, once its exiting helpers had a moment.
  for (let waited = 0; waited < 2000 && endGroup(child.pid!, 0); waited += 100) await sleep(100);
  const leftovers = endGroup(child.pid!, 'SIGKILL');
  // Its last output, unless something that left the group still holds the pipes.
  await Promise.race([closed, sleep(2000)]);
  const failure = timedOut
    ? `still running after ${secs(blockTimeoutMs)}`
    : code !== 0
      ? `exit ${code ?? signal}`
      : undefined;
  console.log(`  ${failure === undefined ? 'ok' : `FAILED (${failure})`} in ${secs(ms)}`);
  if (leftovers) console.log('  (it left processes running 2 s after it ended: killed them)');
  if (failure !== undefined && !values.verbose) {
    const lines = output.trimEnd().split('\n');
    console.log(`  its output${lines.length > 40 ? `, last 40 of ${lines.length} lines` : ''}:`);
    for (const line of lines.slice(-40)) console.log(`  | ${line}`);
  }
  return failure === undefined ? { ms } : { ms, failure };
}
