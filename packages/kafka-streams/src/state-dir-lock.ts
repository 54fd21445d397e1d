import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

export interface StateDirOwner {
  pid: number;
  host: string;
  /** From the kernel (Linux), so that a reused pid is not taken for the owner. */
  started?: string;
  since: string;
}

export interface ProcessTable {
  isAlive(pid: number): boolean;
  startTime(pid: number): string | undefined;
}

export class StateDirInUseError extends Error {
  constructor(
    readonly dir: string,
    readonly owner: StateDirOwner,
  ) {
    super(
      `state directory ${dir} is in use by process ${owner.pid} on ${owner.host} (since ${owner.since}): ` +
        'give each instance its own state directory, or stop that process first',
    );
    this.name = 'StateDirInUseError';
  }
}

/** Besides SQLite's lock, so a refusal names the live owner; a dead owner's lock is taken over. */
export class StateDirLock {
  private constructor(
    readonly path: string,
    readonly owner: StateDirOwner,
    readonly tookOverFrom: StateDirOwner | undefined,
  ) {}

  static acquire(dir: string, processes: ProcessTable = systemProcesses): StateDirLock {
    const path = join(dir, 'LOCK');
    const started = processes.startTime(process.pid);
    const owner: StateDirOwner = {
      pid: process.pid,
      host: hostname(),
      ...(started !== undefined && { started }),
      since: new Date().toISOString(),
    };
    let tookOverFrom: StateDirOwner | undefined;
    for (;;) {
      try {
        writeFileSync(path, JSON.stringify(owner), { flag: 'wx' });
        return new StateDirLock(path, owner, tookOverFrom);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const current = readOwner(path);
      if (current && isLiveOwner(current, owner, processes))
        throw new StateDirInUseError(dir, current);
      // Dead, unreadable or half-written: remove it and try again ('wx' keeps a race fair).
      tookOverFrom = current;
      rmSync(path, { force: true });
    }
  }

  release(): void {
    const current = readOwner(this.path);
    if (current?.pid === this.owner.pid && current.since === this.owner.since)
      rmSync(this.path, { force: true });
  }
}

function readOwner(path: string): StateDirOwner | undefined {
  try {
    const owner = JSON.parse(readFileSync(path, 'utf8')) as Partial<StateDirOwner>;
    if (!Number.isSafeInteger(owner.pid) || typeof owner.host !== 'string') return undefined;
    return {
      pid: owner.pid!,
      host: owner.host,
      ...(typeof owner.started === 'string' && { started: owner.started }),
      since: typeof owner.since === 'string' ? owner.since : '?',
    };
  } catch {
    return undefined;
  }
}

/** An owner on another host (a shared volume) cannot be checked, so it counts as live. */
function isLiveOwner(owner: StateDirOwner, self: StateDirOwner, processes: ProcessTable): boolean {
  if (owner.host !== self.host) return true;
  if (owner.pid === self.pid) return owner.started === self.started;
  if (!processes.isAlive(owner.pid)) return false;
  if (owner.started === undefined) return true;
  const started = processes.startTime(owner.pid);
  return started === undefined || started === owner.started;
}

export const systemProcesses: ProcessTable = {
  isAlive(pid) {
    try {
      process.kill(pid, 0);
      return true;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'EPERM';
    }
  },
  startTime(pid) {
    try {
      // Field 22 of /proc/<pid>/stat, counted after the command name (which may hold spaces).
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
    } catch {
      return undefined;
    }
  },
};
