import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  canConnect,
  freeSystemPorts,
  systemPortsEnv,
  waitFor,
  waitForPosition,
  tsNodeArgs,
  type SystemPorts,
} from '@fairflax/testkit';
import { afterEach, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const SERVICES = ['articles', 'graph', 'rss', 'sitemap'];

interface Supervisor {
  process: ChildProcessByStdio<null, Readable, Readable>;
  ports: SystemPorts;
  output: () => string;
  exited: Promise<number | null>;
  /** The pids the supervisor reported as ready, per service, in order. */
  readyPids: (name: string) => number[];
}

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/**
 * What `pnpm start` runs: the tsx CLI, which relays signals to the supervisor it starts. Its
 * own process group stands for the terminal's foreground group. `viaTsxCli: false` runs the
 * supervisor in node directly, for a Ctrl-C at its very start: tsx force-kills a child that has
 * not reported a relayed signal within some 60 ms, which one still spawning its services can miss.
 */
async function startSupervisor(
  env: Record<string, string> = {},
  { viaTsxCli = true } = {},
): Promise<Supervisor> {
  const ports = await freeSystemPorts();
  const dataDir = mkdtempSync(join(tmpdir(), 'fairflax-start-'));
  const [command, args] = viaTsxCli
    ? [join(root, 'node_modules/.bin/tsx'), ['--conditions=source', 'scripts/start.ts']]
    : [process.execPath, tsNodeArgs('scripts/start.ts')];
  const supervisor = spawn(command, args, {
    cwd: root,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      TRANSPORT: 'embedded',
      DATA_DIR: dataDir,
      ...systemPortsEnv(ports),
      ...env,
    },
  });
  let output = '';
  supervisor.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  supervisor.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<number | null>((resolve) =>
    supervisor.on('exit', (code) => resolve(code)),
  );
  cleanups.push(() => {
    if (supervisor.exitCode === null) process.kill(-supervisor.pid!, 'SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });
  return {
    process: supervisor,
    ports,
    output: () => output,
    exited,
    readyPids: (name) =>
      [...output.matchAll(new RegExp(`^${name} ready \\(pid (\\d+)\\)$`, 'gm'))].map((m) =>
        Number(m[1]),
      ),
  };
}

const status = (url: string) =>
  fetch(url).then(
    (r) => r.status,
    () => 0,
  );

async function waitForAllReady(supervisor: Supervisor) {
  for (const name of SERVICES)
    await waitFor(
      `${name} to be ready`,
      () => supervisor.readyPids(name).length > 0 || supervisor.process.exitCode !== null,
      60_000,
      100,
    );
  expect(supervisor.process.exitCode, supervisor.output()).toBeNull();
}

async function graphql(port: number, query: string) {
  const res = await fetch(`http://127.0.0.1:${port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });
  return (await res.json()) as { data?: Record<string, { globalPosition: string }>; errors?: [] };
}

describe('pnpm start (the supervisor)', { timeout: 120_000 }, () => {
  it('stops every service gracefully on one Ctrl-C, which the terminal sends to the whole process group', async () => {
    const supervisor = await startSupervisor();
    const { ports } = supervisor;
    for (const port of [ports.graph, ports.rss, ports.sitemap])
      await waitFor(
        `the service on ${port} to answer`,
        async () => (await status(`http://127.0.0.1:${port}/healthz`)) === 200,
        60_000,
        200,
      );

    process.kill(-supervisor.process.pid!, 'SIGINT');
    const code = await supervisor.exited;

    const output = supervisor.output();
    const lines = output.split('\n');
    for (const name of SERVICES) expect(lines, output).toContain(`${name} exited (code 0)`);
    expect(output).not.toContain('SIGKILL');
    expect(output).not.toContain('second signal');
    expect(output).not.toContain('restarting');
    expect(code, output).toBe(0);
  });

  it('stops services that are still starting on Ctrl-C, without reporting a failed start', async () => {
    const supervisor = await startSupervisor({}, { viaTsxCli: false });
    await waitFor('the supervisor to start', () => supervisor.output().startsWith('starting '));
    process.kill(-supervisor.process.pid!, 'SIGINT');
    const code = await supervisor.exited;

    const output = supervisor.output();
    expect(output.slice(0, output.indexOf('\nstopping')), 'none was ready yet').not.toContain(
      'ready (pid',
    );
    for (const name of SERVICES) expect(output).toMatch(new RegExp(`^${name} exited \\(`, 'm'));
    expect(output).not.toContain('failed during start-up');
    expect(code, output).toBe(0);
  });

  it('restarts a killed service while the others keep serving', async () => {
    const supervisor = await startSupervisor();
    const { ports } = supervisor;
    await waitForAllReady(supervisor);
    const pids = Object.fromEntries(SERVICES.map((name) => [name, supervisor.readyPids(name)]));
    const articlesPid = pids['articles']![0]!;

    process.kill(articlesPid, 'SIGKILL');
    await waitFor(
      'the supervisor to see articles exit',
      () => supervisor.output().includes('articles exited (SIGKILL); restarting in 0.5 s'),
      10_000,
      20,
    );
    const served = await Promise.all([
      status(`http://127.0.0.1:${ports.rss}/feed`),
      status(`http://127.0.0.1:${ports.sitemap}/sitemap`),
      status(`http://127.0.0.1:${ports.graph}/healthz`),
    ]);
    // Still down after those answers, so they were served without articles.
    const articlesUp = await canConnect(ports.articles);
    expect(served, supervisor.output()).toEqual([200, 200, 200]);
    expect(articlesUp).toBe(false);

    await waitFor(
      'articles to be ready again',
      () => supervisor.readyPids('articles').length === 2,
      30_000,
      100,
    );
    expect(supervisor.output()).toContain('restarting articles');
    expect(supervisor.readyPids('articles')[1]).not.toBe(articlesPid);
    expect(await canConnect(ports.articles)).toBe(true);

    // Commands reach the new articles through graph, and the feed follows it again.
    const drafted = await waitFor(
      'a mutation through graph to succeed',
      async () => {
        const result = await graphql(
          ports.graph,
          'mutation { draftArticle(input: {articleId: "back", title: "Back again", body: "b", category: "business", authorId: "hiro-tanaka"}) { globalPosition } }',
        );
        return result.errors === undefined && result.data;
      },
      30_000,
      250,
    );
    expect(Number(drafted['draftArticle']?.globalPosition)).toBeGreaterThan(0);
    const published = await graphql(
      ports.graph,
      'mutation { publishArticle(id: "back") { globalPosition } }',
    );
    expect(published.errors).toBeUndefined();
    // rss reconnects to the new articles with its own backoff, then catches up.
    await waitForPosition(
      `http://127.0.0.1:${ports.rss}`,
      Number(published.data!['publishArticle']!.globalPosition),
      { timeoutMs: 30_000 },
    );
    const feed = await fetch(`http://127.0.0.1:${ports.rss}/feed/business`);
    expect(feed.status).toBe(200);
    expect(await feed.text()).toContain('Back again');

    for (const name of ['graph', 'rss', 'sitemap'])
      expect(supervisor.readyPids(name), name).toEqual(pids[name]);
    expect(supervisor.process.exitCode).toBeNull();
  });

  it('stops everything, exiting non-zero, when a service fails during start-up', async () => {
    const supervisor = await startSupervisor({ RSS_PORT: 'notaport' });
    const code = await supervisor.exited;

    const output = supervisor.output();
    expect(output).toMatch(/^rss +\| rss: invalid configuration: RSS_PORT/m);
    expect(output).toContain(
      'rss exited (code 78): it failed during start-up; stopping everything',
    );
    expect(output).toMatch(/stopped because rss exited \(code 78\): it failed during start-up\n/);
    for (const name of ['articles', 'graph', 'sitemap'])
      expect(output).toMatch(new RegExp(`^${name} exited \\(`, 'm'));
    expect(output).not.toContain('restarting');
    expect(code, output).toBe(1);
  });
});
