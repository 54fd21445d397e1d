import { spawn, type ChildProcess } from 'node:child_process';

/**
 * A busy loop that stops on its own once the process whose pid it is given (the harness) is
 * gone: a harness killed hard must not leave cores spinning behind it.
 */
export const BUSY_LOOP = `
const watched = Number(process.argv[1]);
for (;;) {
  const until = Date.now() + 200;
  while (Date.now() < until);
  try { process.kill(watched, 0); } catch { process.exit(0); }
}`;

/** Starts a busy loop that ends with the process `watched`. */
export function spawnBusyLoop(watched = process.pid): ChildProcess {
  return spawn(process.execPath, ['-e', BUSY_LOOP, String(watched)], { stdio: 'ignore' });
}

/**
 * `workers` processes that each keep one core busy for as long as a crash test seed runs, so
 * that the services, the broker and the harness share the machine with other work, as on a
 * CI runner: batches and transactions take longer, heartbeats come late, and the windows
 * between produce and commit widen.
 */
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

  /** Kills every worker and waits until each has exited. */
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
