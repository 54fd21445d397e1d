import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { connect } from 'node:net';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';

/** What the READMEs' commands talk to: articles' gRPC and metrics ports, graph, rss, sitemap. */
export const README_PORTS = [50051, 4000, 4001, 4002, 4003];

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

const positionAt = async (port: number): Promise<number | undefined> => {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`, {
      signal: AbortSignal.timeout(1000),
    });
    const body = (await res.json()) as { position?: unknown };
    return typeof body.position === 'number' ? body.position : undefined;
  } catch {
    return undefined;
  }
};

/**
 * The read services that have not yet applied the log up to articles' head (its `/healthz`
 * position); none when articles reports no position (the coupled system keeps no log).
 */
export async function behindTheLog(): Promise<string[]> {
  const head = await positionAt(4000);
  if (head === undefined) return [];
  const readers = { graph: 4001, rss: 4002, sitemap: 4003 };
  const positions = await Promise.all(Object.values(readers).map(positionAt));
  return Object.keys(readers).filter((_, i) => (positions[i] ?? -1) < head);
}

/** The ports on 127.0.0.1 that accept a connection. */
export async function acceptingPorts(ports: readonly number[]): Promise<number[]> {
  const accepts = (port: number) =>
    new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port, timeout: 1000 });
      const done = (accepted: boolean) => {
        socket.destroy();
        resolve(accepted);
      };
      socket.once('connect', () => done(true));
      socket.once('error', () => done(false));
      socket.once('timeout', () => done(false));
    });
  const accepted = await Promise.all(ports.map(accepts));
  return ports.filter((_, i) => accepted[i]);
}

/** Signals a process group; false when none of its processes is left. */
export function endGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** `ps` lines of a process group's members, to say what did not stop. */
function groupMembers(pgid: number): string {
  const ps = spawnSync('ps', ['-eo', 'pid=,pgid=,args='], { encoding: 'utf8' });
  return (ps.stdout ?? '')
    .split('\n')
    .filter((line) => line.trim().split(/\s+/)[1] === String(pgid))
    .join('\n');
}

/**
 * The README's start command, run as a learner's terminal would, in a process group of its own
 * so that stopping it reaches every service. Readiness is what the supervisor prints
 * (`starting articles, graph, ... from`, `<service> ready (pid n)`, `<service> exited (...)`),
 * confirmed by the README's ports accepting connections.
 */
export class StartedSystem {
  private readonly child: ChildProcess;
  private readonly log: WriteStream;
  private readonly lines: string[] = [];
  private readonly ready = new Map<string, boolean>();
  private readonly exited: Promise<void>;
  private services: string[] | undefined;
  private ended: string | undefined;
  private onReady: ((line: string) => void) | undefined;
  private stopping: Promise<{ ms: number } | { killed: string }> | undefined;

  constructor(command: string, options: { cwd: string; env: NodeJS.ProcessEnv; log: string }) {
    this.log = createWriteStream(options.log);
    this.child = spawn('bash', ['-c', command], {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    for (const stream of [this.child.stdout!, this.child.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => this.read(line));
    }
    this.exited = new Promise((resolve) =>
      this.child.once('exit', (code, signal) => {
        this.ended = signal ?? `exit ${code}`;
        resolve();
      }),
    );
  }

  private read(line: string): void {
    if (!this.log.writableEnded) this.log.write(`${line}\n`);
    this.lines.push(line);
    if (this.lines.length > 500) this.lines.shift();
    const starting = /^starting ([\w-]+(?:, [\w-]+)*) from /.exec(line);
    if (starting) this.services = starting[1]!.split(', ');
    const ready = /^([\w-]+) ready \(pid \d+\)$/.exec(line);
    if (ready) {
      this.ready.set(ready[1]!, true);
      this.onReady?.(line);
    }
    const exited = /^([\w-]+) exited \(/.exec(line);
    if (exited) this.ready.set(exited[1]!, false);
  }

  private waitingFor(): string[] {
    if (this.services === undefined) return ['the supervisor'];
    return this.services.filter((service) => this.ready.get(service) !== true);
  }

  /**
   * Undefined once every service is ready, every port accepts and the read services have
   * applied the log (the READMEs' reads show the seeded newsroom); otherwise why not.
   */
  async waitUntilReady(
    timeoutMs: number,
    say: (line: string) => void,
  ): Promise<string | undefined> {
    const since = Date.now();
    let nextNote = 0;
    this.onReady = (line) => say(`${line}, after ${secs(Date.now() - since)}`);
    try {
      for (;;) {
        if (this.ended !== undefined) return `the start command ended (${this.ended})`;
        const waiting = this.waitingFor();
        const closed = (await acceptingPorts(README_PORTS)).length < README_PORTS.length;
        const behind = waiting.length === 0 && !closed ? await behindTheLog() : [];
        if (waiting.length === 0 && !closed && behind.length === 0) return undefined;
        const what =
          waiting.length > 0
            ? waiting.join(', ')
            : closed
              ? `ports ${README_PORTS.join(', ')}`
              : `${behind.join(', ')} to apply the seeded log`;
        const waited = Date.now() - since;
        if (waited > timeoutMs) return `still waiting for ${what} after ${secs(waited)}`;
        if (waited >= nextNote) {
          say(`waiting for ${what} (${secs(waited)}, at most ${secs(timeoutMs)})`);
          nextNote = waited + 10_000;
        }
        await sleep(250);
      }
    } finally {
      this.onReady = undefined;
    }
  }

  tail(count: number): string {
    return this.lines.slice(-count).join('\n');
  }

  /**
   * SIGINT to the whole group, as Ctrl-C; then SIGKILL to what is left after `timeoutMs`.
   * Either how long it took, or the `ps` lines of what had to be killed.
   */
  stop(timeoutMs: number): Promise<{ ms: number } | { killed: string }> {
    this.stopping ??= (async () => {
      const since = Date.now();
      const pgid = this.child.pid!;
      endGroup(pgid, 'SIGINT');
      await Promise.race([this.exited, sleep(timeoutMs)]);
      while (endGroup(pgid, 0) && Date.now() - since < timeoutMs) await sleep(100);
      const left = groupMembers(pgid);
      const killed = endGroup(pgid, 'SIGKILL');
      await new Promise<void>((resolve) => this.log.end(resolve));
      return killed ? { killed: left } : { ms: Date.now() - since };
    })();
    return this.stopping;
  }
}
