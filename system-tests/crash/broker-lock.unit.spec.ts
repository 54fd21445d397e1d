import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BrokerLock } from './broker-lock.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function lockPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'fairflax-broker-lock-'));
  dirs.push(dir);
  return join(dir, 'crash.lock');
}

/** The pid of a process that has exited: its lock is stale. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
    encoding: 'utf8',
  });
  return Number(child.stdout);
}

describe('the crash broker lock', () => {
  it('is taken with this process id, again without harm, and removed on release', () => {
    const path = lockPath();
    const lock = new BrokerLock(path, 'the broker');
    lock.acquire();
    lock.acquire();
    expect(readFileSync(path, 'utf8')).toBe(String(process.pid));
    lock.release();
    expect(existsSync(path)).toBe(false);
  });

  it('refuses while a live process holds it, naming that process, and leaves its lock alone', () => {
    const path = lockPath();
    // The parent of this test process is alive for as long as the test runs.
    writeFileSync(path, String(process.ppid));
    const lock = new BrokerLock(path, 'the crash broker on 127.0.0.1:9392');
    expect(() => lock.acquire()).toThrow(
      `the crash broker on 127.0.0.1:9392 is in use by process ${process.ppid}`,
    );
    lock.release();
    expect(readFileSync(path, 'utf8')).toBe(String(process.ppid));
  });

  it('takes over a lock whose process is gone, and one that cannot be read', () => {
    for (const content of [String(deadPid()), '', 'not a pid']) {
      const path = lockPath();
      writeFileSync(path, content);
      const lock = new BrokerLock(path, 'the broker');
      lock.acquire();
      expect(readFileSync(path, 'utf8')).toBe(String(process.pid));
      lock.release();
    }
  });
});
