import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  StateDirInUseError,
  StateDirLock,
  systemProcesses,
  type ProcessTable,
  type StateDirOwner,
} from './state-dir-lock.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function stateDir(owner?: Partial<StateDirOwner> | string): string {
  const dir = mkdtempSync(join(tmpdir(), 'fairflax-state-dir-'));
  dirs.push(dir);
  if (owner !== undefined)
    writeFileSync(join(dir, 'LOCK'), typeof owner === 'string' ? owner : JSON.stringify(owner));
  return dir;
}

const lockOf = (dir: string) =>
  JSON.parse(readFileSync(join(dir, 'LOCK'), 'utf8')) as StateDirOwner;

/** The pid of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
    encoding: 'utf8',
  });
  return Number(child.stdout);
}

describe('the state directory lock', () => {
  it('is taken with this process id and start time, and removed on release', () => {
    const dir = stateDir();
    const lock = StateDirLock.acquire(dir);
    expect(lockOf(dir)).toMatchObject({ pid: process.pid, host: hostname() });
    expect(lockOf(dir).started).toBe(systemProcesses.startTime(process.pid));
    lock.release();
    expect(existsSync(join(dir, 'LOCK'))).toBe(false);
  });

  it('refuses a live owner, naming its pid, and leaves its lock alone', () => {
    // The parent of this test process lives as long as the test runs.
    const owner = {
      pid: process.ppid,
      host: hostname(),
      started: systemProcesses.startTime(process.ppid)!,
      since: '2026-01-01T00:00:00.000Z',
    };
    const dir = stateDir(owner);
    expect(() => StateDirLock.acquire(dir)).toThrow(StateDirInUseError);
    expect(() => StateDirLock.acquire(dir)).toThrow(
      `state directory ${dir} is in use by process ${process.ppid} on ${hostname()}`,
    );
    expect(lockOf(dir)).toEqual(owner);
  });

  it('refuses a second lock in the same process', () => {
    const dir = stateDir();
    StateDirLock.acquire(dir);
    expect(() => StateDirLock.acquire(dir)).toThrow(`in use by process ${process.pid}`);
  });

  it("takes over a dead owner's directory, saying whose it was", () => {
    const dead = { pid: deadPid(), host: hostname(), since: '2026-01-01T00:00:00.000Z' };
    const dir = stateDir(dead);
    const lock = StateDirLock.acquire(dir);
    expect(lock.tookOverFrom).toEqual(dead);
    expect(lockOf(dir).pid).toBe(process.pid);
  });

  it('takes over a lock whose pid now belongs to another process (a reused pid)', () => {
    const reused: ProcessTable = {
      isAlive: () => true,
      startTime: (pid) => (pid === 4242 ? 'later' : 'mine'),
    };
    const dir = stateDir({ pid: 4242, host: hostname(), started: 'earlier', since: 'x' });
    const lock = StateDirLock.acquire(dir, reused);
    expect(lock.tookOverFrom?.pid).toBe(4242);
    expect(lockOf(dir)).toMatchObject({ pid: process.pid, started: 'mine' });
  });

  it('takes over a lock it cannot read', () => {
    for (const content of ['', '{"pid":', 'not json']) {
      const dir = stateDir(content);
      StateDirLock.acquire(dir).release();
    }
  });

  it('refuses an owner on another host, whose liveness it cannot check', () => {
    const dir = stateDir({ pid: deadPid(), host: `not-${hostname()}`, since: 'x' });
    expect(() => StateDirLock.acquire(dir)).toThrow(`on not-${hostname()}`);
  });
});
