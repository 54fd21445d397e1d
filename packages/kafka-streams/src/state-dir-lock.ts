import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

/** What the lock file says about the process that owns a state directory. */
export interface StateDirOwner {
  pid: number;
  host: string;
  /** The process's start time as the kernel tells it (Linux), so that a reused pid is not taken for the owner. */
  started?: string;
  since: string;
}

/** What the lock asks of the system; the real process table by default, fakes in tests. */
export interface ProcessTable {
  /** Whether a process with this pid exists. */
  isAlive(pid: number): boolean;
  /** The process's start time (Linux `/proc/<pid>/stat`), undefined where that cannot be read. */
  startTime(pid: number): string | undefined;
}

/** Thrown when a live process owns the state directory. */
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

/**
 * One owner per state directory, by a `LOCK` file that names it (pid, host, start time).
 * A live owner is refused with its pid; the lock of a dead one (a SIGKILLed instance) is taken
 * over. The SQLite file itself is also opened in exclusive mode, an OS-level lock that dies
 * with its process: this file is what makes the refusal say who, and keeps a new instance from
 * waiting on a lock whose owner is gone.
 */
export class StateDirLock {
  private constructor(
    readonly path: string,
    readonly owner: StateDirOwner,
    /** The dead owner whose lock was taken over, if any. */
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

  /** Removes the lock file if it is still this process's. */
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

/**
 * An owner on another host cannot be checked, so it counts as live (a state directory on a
 * shared volume). On this host: its pid must exist and, where start times can be read, be the
 * same process, not a later one that reused the pid.
 */
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
