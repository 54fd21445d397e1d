/**
 * Starts all four services as separate processes with one command, prefixes their log lines
 * with the service name, and stops them all on Ctrl-C (SIGINT) or SIGTERM.
 *
 *   pnpm start                     the system in services/
 *   pnpm start --system coupled    the coupled starting point (tutorial/coupled/services/)
 *   pnpm start --transport kafka   the same services over Kafka (KAFKA_BROKERS, default a local
 *                                  broker that infra/kafka/kafka.sh starts), plus the stream processor
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { REPEATED_SIGNAL_MS } from '@fairflax/service-kit';
import { tsNodeArgs } from '@fairflax/testkit';

const root = fileURLToPath(new URL('..', import.meta.url));
// `services/` holds this step's system; on main, the coupled step 0 also lives under tutorial/.
const SYSTEMS: Record<string, string> = {
  current: join(root, 'services'),
  coupled: join(root, 'tutorial/coupled/services'),
};
const COLORS = [36, 35, 33, 32, 34];

const { values } = parseArgs({
  options: { system: { type: 'string' }, transport: { type: 'string' } },
});
const transport = values.transport ?? process.env['TRANSPORT'] ?? 'embedded';
const available = Object.entries(SYSTEMS).filter(([, dir]) => existsSync(join(dir, 'articles')));
const [defaultSystem] = available[0] ?? [];
const system = values.system ?? defaultSystem;
const dir = system === undefined ? undefined : SYSTEMS[system];
if (dir === undefined || !existsSync(dir)) {
  console.error(
    `unknown system "${system}"; available: ${available.map(([name]) => name).join(', ')}`,
  );
  process.exit(2);
}

// On a broker the stream processor joins (a later tutorial step; absent before it).
const SERVICES = ['articles', 'graph', 'rss', 'sitemap'];
if (transport === 'kafka' && existsSync(join(dir, 'stream-processor')))
  SERVICES.push('stream-processor');
if (transport === 'kafka' && !process.env['KAFKA_BROKERS']) {
  const script = join(root, 'infra/kafka/kafka.sh');
  if (!existsSync(script)) {
    console.error('transport "kafka" is not part of this tutorial step (no infra/kafka)');
    process.exit(2);
  }
  console.log('starting a local Kafka broker (infra/kafka/kafka.sh start) ...');
  const started = spawnSync('bash', [script, 'start'], { stdio: 'inherit' });
  if (started.status !== 0) process.exit(started.status ?? 1);
}
const width = Math.max(...SERVICES.map((s) => s.length));
const children = new Map<string, ChildProcess>();
/** When the stop began; undefined while running. */
let stoppingSince: number | undefined;

function pipe(name: string, color: number, stream: NodeJS.ReadableStream, out: NodeJS.WriteStream) {
  const prefix = out.isTTY
    ? `\x1b[${color}m${name.padEnd(width)} |\x1b[0m `
    : `${name.padEnd(width)} | `;
  createInterface({ input: stream }).on('line', (line) => out.write(prefix + line + '\n'));
}

function stopAll(signal: NodeJS.Signals) {
  if (stoppingSince !== undefined) {
    // One Ctrl-C can arrive twice (from the terminal, and relayed by tsx): only a later one forces.
    if (Date.now() - stoppingSince < REPEATED_SIGNAL_MS) return;
    for (const child of children.values()) child.kill('SIGKILL');
    return;
  }
  stoppingSince = Date.now();
  console.log(
    `\nstopping ${[...children.keys()].join(', ')} (${signal}); press Ctrl-C again to force`,
  );
  for (const child of children.values()) child.kill('SIGTERM');
}

console.log(
  `starting ${SERVICES.join(', ')} from ${dir.slice(root.length)} (transport: ${transport})`,
);
SERVICES.forEach((name, i) => {
  const child = spawn(process.execPath, tsNodeArgs('src/main.ts'), {
    cwd: join(dir, name),
    env: { ...process.env, TRANSPORT: transport },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.set(name, child);
  pipe(name, COLORS[i]!, child.stdout, process.stdout);
  pipe(name, COLORS[i]!, child.stderr, process.stderr);
  child.on('exit', (code, signal) => {
    children.delete(name);
    console.log(`${name} exited (${signal ?? `code ${code}`})`);
    // One service dying takes the others down, so a broken start is never half running.
    if (stoppingSince === undefined) {
      process.exitCode = 1;
      stopAll('SIGTERM');
    }
    if (children.size === 0) process.exit();
  });
});

process.on('SIGINT', () => stopAll('SIGINT'));
process.on('SIGTERM', () => stopAll('SIGTERM'));
