import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, startService, tsNodeArgs, type RunningService } from '@fairflax/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** `pnpm import-articles <file>` as a process: its exit code and what it wrote to stderr. */
function importFile(file: string, port: number) {
  const child = spawn(
    process.execPath,
    tsNodeArgs('scripts/import-articles.ts').concat(file, '--articles', `127.0.0.1:${port}`),
    { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise<{ code: number | null; stderr: string }>((resolve) =>
    child.on('exit', (code) => resolve({ code, stderr })),
  );
}

const line = (n: number, extra: object = {}) =>
  JSON.stringify({
    command_id: `e2e-import-${n}`,
    author_id: 'amara-okafor',
    title: `Imported article ${n}`,
    body: `Body ${n}`,
    category: 'business',
    published: true,
    ...extra,
  });

describe('pnpm import-articles against a running articles service', { timeout: 90_000 }, () => {
  let dir: string;
  let articles: RunningService;
  let port: number;
  let metricsPort: number;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'import-e2e-'));
    port = await freePort();
    metricsPort = await freePort();
    articles = await startService({
      name: 'articles',
      dir: join(root, 'services/articles'),
      env: {
        DATA_DIR: dir,
        ARTICLES_PORT: String(port),
        ARTICLES_METRICS_PORT: String(metricsPort),
      },
      readyPort: port,
    });
  }, 60_000);
  afterAll(async () => {
    await articles?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('imports the good lines, lists the bad ones by line and exits 1; a re-run stores nothing new', async () => {
    const file = join(dir, 'archive.ndjson');
    writeFileSync(
      file,
      [
        line(1),
        '{"command_id": "e2e-import-2", ',
        line(3, { category: 'Business News' }),
        '',
        line(5, { published: 'yes' }),
        line(6, { publised: true }),
        line(7, { published: false }),
      ].join('\n') + '\n',
    );
    const head = async () =>
      (
        (await (await fetch(`http://127.0.0.1:${metricsPort}/healthz`)).json()) as {
          position: number;
        }
      ).position;
    const before = await head();

    const first = await importFile(file, port);
    expect(first.stderr).toContain('7 lines in ');
    expect(first.stderr).toContain(
      ': 2 articles imported (3 events), 0 imported before (nothing stored), 4 rejected',
    );
    expect(first.stderr).toMatch(/line 2: INVALID_ARGUMENT: malformed JSON: /);
    expect(first.stderr).toContain(
      'line 3: INVALID_ARGUMENT category: category "Business News" must be lowercase letters, digits and dashes, starting with a letter',
    );
    expect(first.stderr).toContain(
      'line 5: INVALID_ARGUMENT published: published must be true or false',
    );
    expect(first.stderr).toContain('line 6: INVALID_ARGUMENT publised: unknown field "publised"');
    expect(first.code).toBe(1);
    expect(await head()).toBe(before + 3);

    const again = await importFile(file, port);
    expect(again.stderr).toContain(
      ': 0 articles imported (0 events), 2 imported before (nothing stored), 4 rejected',
    );
    expect(again.code).toBe(1);
    expect(await head()).toBe(before + 3);
  });

  it('exits 0 for a file without bad lines, and 2 with a clear message when articles is not there', async () => {
    const file = join(dir, 'good.ndjson');
    writeFileSync(file, `${line(10)}\n${line(11)}`);
    const ok = await importFile(file, port);
    expect(ok.stderr).toContain(': 2 articles imported (4 events), 0 imported before');
    expect(ok.code).toBe(0);

    const nowhere = await importFile(file, await freePort());
    expect(nowhere.stderr).toContain('import stopped: UNAVAILABLE');
    expect(nowhere.code).toBe(2);
  });
});
