import { readFileSync, rmSync, writeFileSync } from 'node:fs';

/**
 * A pid file: two crash runs sharing a broker would restart it under each other. A lock whose
 * process is gone is stale and taken over, and its broker reused.
 */
export class BrokerLock {
  private owned = false;

  constructor(
    private readonly path: string,
    private readonly describe: string,
  ) {}

  /** Throws naming the live holder; re-entrant. */
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

  get held(): boolean {
    return this.owned;
  }

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

/** EPERM: it exists, owned by someone else. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
