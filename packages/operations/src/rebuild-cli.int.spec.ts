import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const fixture = fileURLToPath(new URL('../test/rebuild-fixture.ts', import.meta.url));
const root = fileURLToPath(new URL('../../..', import.meta.url));
/** Starting a tsx process on a busy 2-core machine: seconds, not tens of them. */
const STARTUP_MS = 15_000;

let dir: string;
let dbPath: string;
const servers: Server[] = [];
const sockets = new Set<Socket>();
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'rebuild-cli-'));
  dbPath = join(dir, 'fixture.sqlite');
  writeFileSync(dbPath, 'the old read model');
});
afterEach(async () => {
  rmSync(dir, { recursive: true, force: true });
  for (const socket of sockets) socket.destroy();
  sockets.clear();
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

/** Accepts connections and says nothing: an address where something else listens. */
async function listen(): Promise<number> {
  const server = createServer((socket) => sockets.add(socket));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

/** A port that refuses connections: bound once, then closed. */
async function refusingPort(): Promise<number> {
  const port = await listen();
  await new Promise((resolve) => servers.pop()!.close(resolve));
  return port;
}

/** Runs the command as a process, killed if it outlives the bound (then `code` is null). */
function rebuild(address: string, timeout: string, boundMs: number) {
  const started = Date.now();
  const child = spawn(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', fixture, '--articles', address, '--db', dbPath],
    { cwd: root, env: { ...process.env, REBUILD_TIMEOUT: timeout }, stdio: 'pipe' },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise<{ code: number | null; stderr: string; elapsedMs: number }>((resolve) => {
    const guard = setTimeout(() => child.kill('SIGKILL'), boundMs);
    child.on('exit', (code) => {
      clearTimeout(guard);
      resolve({ code, stderr, elapsedMs: Date.now() - started });
    });
  });
}

describe('the rebuild command, with articles out of reach', { timeout: 60_000 }, () => {
  it('says it is waiting, then gives up with exit code 1 and the read model unchanged', async () => {
    const address = `127.0.0.1:${await refusingPort()}`;
    const result = await rebuild(address, '6', 6_000 + STARTUP_MS);

    expect(result.stderr).toContain(
      `from articles at ${address} (gives up after 6 s without an answer: REBUILD_TIMEOUT)`,
    );
    expect(result.stderr).toMatch(
      new RegExp(
        `waiting for articles at ${address}: no answer for 5 s \\(.*ECONNREFUSED.*\\); giving up at 6 s\n`,
      ),
    );
    expect(result.stderr).toMatch(
      new RegExp(
        `fixture rebuild: gave up after 6 s \\(REBUILD_TIMEOUT\\) without an answer from ` +
          `articles at ${address}: .*ECONNREFUSED.*\\. Is articles running there\\?`,
      ),
    );
    expect(result.code).toBe(1);
    expect(result.elapsedMs).toBeGreaterThanOrEqual(6_000);
    expect(readFileSync(dbPath, 'utf8')).toBe('the old read model');
    expect(readdirSync(dir)).toEqual(['fixture.sqlite']);
  });

  it('gives up on an address where something else listens and never answers', async () => {
    const address = `127.0.0.1:${await listen()}`;
    const result = await rebuild(address, '2', 2_000 + STARTUP_MS);

    expect(result.stderr).toContain(`without an answer from articles at ${address}`);
    expect(result.code).toBe(1);
    expect(existsSync(`${dbPath}.rebuild`)).toBe(false);
  });

  it('refuses a REBUILD_TIMEOUT that is not a number of seconds, naming it', async () => {
    const address = `127.0.0.1:${await refusingPort()}`;
    const result = await rebuild(address, 'soon', STARTUP_MS);
    expect(result.code).toBe(78);
    expect(result.stderr).toContain('REBUILD_TIMEOUT: expected an integer, got "soon"');
  });
});
