import { spawn, type ChildProcess } from 'node:child_process';

/** Ends once the watched pid is gone: a harness killed hard must not leave cores spinning. */
export const BUSY_LOOP = `
const watched = Number(process.argv[1]);
for (;;) {
  const until = Date.now() + 200;
  while (Date.now() < until);
  try { process.kill(watched, 0); } catch { process.exit(0); }
}`;

export function spawnBusyLoop(watched = process.pid): ChildProcess {
  return spawn(process.execPath, ['-e', BUSY_LOOP, String(watched)], { stdio: 'ignore' });
}

/** One busy core per worker, as on a CI runner: heartbeats come late, commit windows widen. */
export class MachineLoad {
  private constructor(private readonly children: readonly ChildProcess[]) {}

  static start(workers: number, spawnWorker = () => spawnBusyLoop()): MachineLoad {
    if (!Number.isSafeInteger(workers) || workers < 0)
      throw new Error(`load must be a non-negative integer, got ${workers}`);
    return new MachineLoad(Array.from({ length: workers }, () => spawnWorker()));
  }

  get workers(): number {
    return this.children.length;
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.children.map((child) => {
        if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGKILL');
        return exited;
      }),
    );
  }
}
