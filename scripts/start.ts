/**
 * `pnpm start [--system coupled] [--transport kafka]`: a crash after ready restarts with backoff;
 * one during start-up, or repeated crashes, stop everything (service-kit's restart-policy).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  decideRestart,
  formatDelay,
  isReadyMessage,
  NO_CRASHES,
  REPEATED_SIGNAL_MS,
  type CrashHistory,
} from '@fairflax/service-kit';
import { tsNodeArgs } from '@fairflax/testkit';
import { servicesEnv } from './services-env.js';

const root = fileURLToPath(new URL('..', import.meta.url));
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

const SERVICES = ['articles', 'graph', 'rss', 'sitemap'];
if (transport === 'kafka' && existsSync(join(dir, 'stream-processor')))
  SERVICES.push('stream-processor');
const { env: serviceEnv, localBroker } = servicesEnv(process.env, transport, process.stdout.isTTY);
if (localBroker !== undefined) {
  const script = join(root, 'infra/kafka/kafka.sh');
  if (!existsSync(script)) {
    console.error('transport "kafka" is not part of this tutorial step (no infra/kafka)');
    process.exit(2);
  }
  console.log(`starting a local Kafka broker on ${localBroker} (infra/kafka/kafka.sh start) ...`);
  const started = spawnSync('bash', [script, 'start'], { stdio: 'inherit' });
  if (started.status !== 0) process.exit(started.status ?? 1);
}
if (transport === 'kafka')
  console.log(`the services use KAFKA_BROKERS=${serviceEnv['KAFKA_BROKERS']}`);
const width = Math.max(...SERVICES.map((s) => s.length));

interface Service {
  name: string;
  dir: string;
  color: number;
  child?: ChildProcess;
  readySince?: number;
  everReady: boolean;
  crashes: CrashHistory;
  restart?: NodeJS.Timeout;
}

const services: Service[] = SERVICES.map((name, i) => ({
  name,
  dir: join(dir, name),
  color: COLORS[i]!,
  everReady: false,
  crashes: NO_CRASHES,
}));
let stoppingSince: number | undefined;
/** Repeated last, with a non-zero exit. */
let failure: string | undefined;

function pipe(name: string, color: number, stream: NodeJS.ReadableStream, out: NodeJS.WriteStream) {
  const prefix = out.isTTY
    ? `\x1b[${color}m${name.padEnd(width)} |\x1b[0m `
    : `${name.padEnd(width)} | `;
  createInterface({ input: stream }).on('line', (line) => out.write(prefix + line + '\n'));
}

function running(): Service[] {
  return services.filter((service) => service.child !== undefined);
}

function start(service: Service) {
  const child = spawn(process.execPath, tsNodeArgs('src/main.ts'), {
    cwd: service.dir,
    env: serviceEnv,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  service.child = child;
  service.readySince = undefined;
  pipe(service.name, service.color, child.stdout!, process.stdout);
  pipe(service.name, service.color, child.stderr!, process.stderr);
  child.on('message', (message) => {
    if (!isReadyMessage(message) || service.child !== child) return;
    service.readySince = Date.now();
    service.everReady = true;
    console.log(`${service.name} ready (pid ${child.pid})`);
  });
  child.on('exit', (code, signal) => exited(service, signal ?? `code ${code}`));
}

function exited(service: Service, cause: string) {
  const { readySince } = service;
  service.child = undefined;
  if (stoppingSince !== undefined) {
    console.log(`${service.name} exited (${cause})`);
    exitOnceAllStopped();
    return;
  }
  // The terminal's Ctrl-C can kill a starting service before our SIGINT handler runs: a stop.
  if (cause === 'SIGINT' && readySince === undefined) {
    console.log(`${service.name} exited (${cause})`);
    stopAll('SIGINT');
    return;
  }
  const now = Date.now();
  const decision = decideRestart(service.crashes, {
    at: now,
    everReady: service.everReady,
    readyForMs: readySince === undefined ? 0 : now - readySince,
  });
  if (!decision.restart) {
    failure = `${service.name} exited (${cause}): ${decision.reason}`;
    console.log(`${failure}; stopping everything`);
    stopAll(`${service.name} failed`);
    return;
  }
  service.crashes = decision.history;
  console.log(`${service.name} exited (${cause}); restarting in ${formatDelay(decision.delayMs)}`);
  service.restart = setTimeout(() => {
    service.restart = undefined;
    console.log(`restarting ${service.name}`);
    start(service);
  }, decision.delayMs);
}

function stopAll(reason: string) {
  if (stoppingSince !== undefined) {
    // One Ctrl-C can arrive twice (from the terminal, and relayed by tsx): only a later one forces.
    if (Date.now() - stoppingSince < REPEATED_SIGNAL_MS) return;
    for (const { child } of services) child?.kill('SIGKILL');
    return;
  }
  stoppingSince = Date.now();
  for (const service of services) clearTimeout(service.restart);
  const names = running().map((service) => service.name);
  console.log(`\nstopping ${names.join(', ')} (${reason}); press Ctrl-C again to force`);
  for (const { child } of services) child?.kill('SIGTERM');
  exitOnceAllStopped();
}

function exitOnceAllStopped() {
  if (running().length > 0) return;
  if (failure !== undefined) {
    console.error(`stopped because ${failure}`);
    process.exitCode = 1;
  }
  process.exit();
}

process.on('SIGINT', () => stopAll('SIGINT'));
process.on('SIGTERM', () => stopAll('SIGTERM'));
console.log(
  `starting ${SERVICES.join(', ')} from ${dir.slice(root.length)} (transport: ${transport})`,
);
services.forEach(start);
