import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Sqlite from '@fairflax/sqlite';
import { freePort, startService, tsNodeArgs, type RunningService } from '@fairflax/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** `pnpm rebuild-read-model graph ...` as a process: its exit code and its stderr. */
function rebuild(dataDir: string, ...args: string[]) {
  const child = spawn(
    process.execPath,
    tsNodeArgs('scripts/rebuild-read-model.ts').concat('graph', ...args),
    { cwd: root, env: { ...process.env, DATA_DIR: dataDir }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise<{ code: number | null; stderr: string }>((resolve) =>
    child.on('exit', (code) => resolve({ code, stderr })),
  );
}

describe('pnpm rebuild-read-model --live against a running graph', { timeout: 90_000 }, () => {
  let dataDir: string;
  let articles: RunningService;
  let graph: RunningService;
  let graphPort: number;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'live-rebuild-e2e-'));
    const articlesPort = await freePort();
    graphPort = await freePort();
    const env = {
      DATA_DIR: dataDir,
      ARTICLES_PORT: String(articlesPort),
      ARTICLES_METRICS_PORT: String(await freePort()),
      ARTICLES_ADDRESS: `127.0.0.1:${articlesPort}`,
      GRAPH_PORT: String(graphPort),
    };
    articles = await startService({
      name: 'articles',
      dir: join(root, 'services/articles'),
      env,
      readyPort: articlesPort,
    });
    graph = await startService({
      name: 'graph',
      dir: join(root, 'services/graph'),
      env,
      readyPort: graphPort,
    });
  }, 90_000);
  afterAll(async () => {
    await graph?.stop();
    await articles?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const query = async (text: string) => {
    const res = await fetch(`http://127.0.0.1:${graphPort}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: text }),
    });
    return ((await res.json()) as { data: Record<string, unknown> }).data;
  };
  const found = async () =>
    ((await query('{ search(text: "Central bank") { id } }')).search as { id: string }[]).map(
      (a) => a.id,
    );

  it('refuses the offline rebuild, then rebuilds while graph serves, with a progress bar; graph then answers and searches from the rebuilt file', async () => {
    await expect.poll(found, { timeout: 15_000 }).not.toEqual([]);
    const [id] = await found();
    const live = new Sqlite(join(dataDir, 'graph.sqlite'));
    live.prepare('DELETE FROM articles WHERE id = ?').run(id);
    live.close();
    expect(await query(`{ article(id: "${id}") { id } }`)).toEqual({ article: null });
    expect(await found()).not.toContain(id);

    const offline = await rebuild(dataDir);
    expect(offline.stderr).toMatch(/graph is running with this DATA_DIR: .* --live, or stop it/);
    expect(offline.code).toBe(1);

    const { code, stderr } = await rebuild(dataDir, '--live');
    expect(stderr).toMatch(/\[#+\.*\]\s+\d+%\s+\d+\/\d+ events\s+\d+\/s/);
    expect(stderr).toMatch(/done: \d+ events/);
    expect(code).toBe(0);

    expect(await query(`{ article(id: "${id}") { id } }`)).toEqual({ article: { id } });
    expect(await found()).toContain(id);
  });
});
