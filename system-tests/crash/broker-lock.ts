import { readFileSync, rmSync, writeFileSync } from 'node:fs';

/**
 * Which process owns the crash test's broker. The crash test restarts that broker mid-run and
 * stops it at the end, so two runs sharing it break each other: the second run must not start
 * while the first is alive. A file holding the owner's pid is the lock; one whose process is gone
 * (a run that was killed, or kept its broker with --keep-data) is stale and taken over, and the
 * broker it left behind is reused.
 */
export class BrokerLock {
  private owned = false;

  constructor(
    private readonly path: string,
    private readonly describe: string,
  ) {}

  /** Takes the lock, or throws naming the live process that holds it. Taking it again is a no-op. */
  acquire(): void {
    if (this.owned) return;
    for (;;) {
      try {
        writeFileSync(this.path, String(process.pid), { flag: 'wx' });
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const holder = Number.parseInt(readFileIfAny(this.path), 10);
        if (holder === process.pid) break;
        if (Number.isSafeInteger(holder) && holder > 0 && isAlive(holder))
          throw new Error(
            `${this.describe} is in use by process ${holder} (another crash test?); wait for it, or stop it, then run again (lock: ${this.path})`,
          );
        // Stale, unreadable or half-written: remove it and try again (wx keeps the race fair).
        rmSync(this.path, { force: true });
      }
    }
    this.owned = true;
    process.once('exit', this.releaseOnExit);
  }

  /** Whether this process holds the lock. */
  get held(): boolean {
    return this.owned;
  }

  /** Gives the lock up if this process holds it. */
  release(): void {
    if (!this.owned) return;
    this.owned = false;
    process.off('exit', this.releaseOnExit);
    if (Number.parseInt(readFileIfAny(this.path), 10) === process.pid)
      rmSync(this.path, { force: true });
  }

  private readonly releaseOnExit = () => this.release();
}

function readFileIfAny(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** Whether a process with this pid exists (EPERM: it exists, owned by someone else). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
