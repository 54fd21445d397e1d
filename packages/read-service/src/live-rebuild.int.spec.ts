import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, realpathSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startArticles, type RunningArticles } from '@fairflax/articles/service';
import { readAdminAddress, REBUILD_PATH, type LiveRebuildStatus } from '@fairflax/operations';
import { openReadModel, type Projection } from '@fairflax/projections';
import { ensureKafka } from '@fairflax/kafka-broker';
import { createArticlesCommands } from '@fairflax/publishing-api';
import { createLogger, envReader, type Closer } from '@fairflax/service-kit';
import { freePort } from '@fairflax/testkit';
import Fastify from 'fastify';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startReadService, type ReadService } from './service.js';

/** One row per event applied: a duplicate or a gap shows in the counts. */
const ledgerProjection: Projection = {
  name: 'ledger-v1',
  migrate: (db) => db.exec('CREATE TABLE IF NOT EXISTS ledger (position INTEGER NOT NULL)'),
  apply: (db, event) =>
    db.prepare('INSERT INTO ledger (position) VALUES (?)').run(event.globalPosition),
};

/** Answers which file it reads and what is in it; `/slow` answers once `releaseSlow` is called. */
let releaseSlow = () => {};
const ledger: ReadService = {
  name: 'ledger',
  defaultPort: 0,
  path: '/ledger',
  projection: () => ledgerProjection,
  buildApp: async ({ db }) => {
    const app = Fastify();
    const read = () => ({
      file: db.name,
      ...(db
        .prepare('SELECT count(*) AS rows, count(DISTINCT position) AS positions FROM ledger')
        .get() as { rows: number; positions: number }),
    });
    app.get('/ledger', read);
    app.get('/slow', async () => {
      await new Promise<void>((resolve) => (releaseSlow = resolve));
      return read();
    });
    return Promise.resolve(app);
  },
};

const logger = createLogger('live-rebuild-test', { LOG_LEVEL: 'silent' });
let dataDir: string;
let env: ReturnType<typeof envReader>;
let settings: Record<string, string>;
let articles: RunningArticles | undefined;
let service: Closer | undefined;
let ledgerPort: number;
/** The transport's settings, on top of the embedded default. */
let transportEnv: Record<string, string> = {};

beforeEach(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'live-rebuild-'));
  ledgerPort = await freePort();
  const articlesPort = await freePort();
  settings = {
    DATA_DIR: dataDir,
    ARTICLES_PORT: String(articlesPort),
    ARTICLES_METRICS_PORT: String(await freePort()),
    ARTICLES_ADDRESS: `127.0.0.1:${articlesPort}`,
    LEDGER_PORT: String(ledgerPort),
    REBUILD_TIMEOUT: '60',
    ...transportEnv,
  };
  env = envReader(settings);
  articles = await startArticles({ env, logger });
  service = await startReadService(ledger, { env, logger });
  await expect.poll(() => ledgerRows(), { timeout: 60_000 }).toBe(head());
});
afterEach(async () => {
  await service?.();
  await articles?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const head = () => headOf(dataDir);
function headOf(dir: string): number {
  const store = openReadModel(join(dir, 'articles-events.sqlite'));
  try {
    return (
      store.prepare('SELECT max(global_position) AS head FROM events').get() as { head: number }
    ).head;
  } finally {
    store.close();
  }
}
const served = async (path = '/ledger') =>
  (await fetch(`http://127.0.0.1:${ledgerPort}${path}`).then((r) => r.json())) as {
    file: string;
    rows: number;
    positions: number;
  };
const ledgerRows = async () => (await served()).rows;

function admin(method: 'GET' | 'POST', token?: string) {
  const address = readAdminAddress(join(dataDir, 'ledger.admin.json'))!;
  return fetch(`${address.url}${REBUILD_PATH}`, {
    method,
    headers: { authorization: `Bearer ${token ?? address.token}` },
  });
}
const rebuildStatus = async () => (await (await admin('GET')).json()) as LiveRebuildStatus;

describe('rebuilding a read model while the service serves it', { timeout: 60_000 }, () => {
  it('serves the live file during the rebuild, then the rebuilt one, with every event of the log applied once', async () => {
    const live = join(dataDir, 'ledger.sqlite');
    const side = openReadModel(live);
    side.exec('DELETE FROM ledger WHERE position IN (SELECT position FROM ledger LIMIT 3)');
    side.close();
    expect(await ledgerRows()).toBe(head() - 3);

    // With articles away the rebuild cannot finish: it is seen under way.
    await articles!.close();
    articles = undefined;
    expect((await admin('POST')).status).toBe(202);
    const second = await admin('POST');
    expect(second.status).toBe(409);
    expect(second.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(((await second.json()) as { detail: string }).detail).toMatch(/already running/);
    expect(await served()).toMatchObject({ file: live, rows: head() - 3 });
    expect((await rebuildStatus()).state).toBe('rebuilding');
    const inFlight = served('/slow');
    inFlight.catch(() => undefined);

    articles = await startArticles({ env, logger });
    const commands = createArticlesCommands(env.address('ARTICLES_ADDRESS', ''));
    for (let i = 0; i < 5; i++) await commands.registerAuthor({ name: `Writer ${i}` });
    commands.close();
    await expect.poll(async () => (await rebuildStatus()).state, { timeout: 40_000 }).toBe('done');
    const now = await served();
    expect(now.file).not.toBe(live);
    expect(realpathSync(live)).toBe(now.file);
    await expect.poll(ledgerRows).toBe(head());
    expect((await served()).positions).toBe(head());
    releaseSlow();
    expect((await inFlight).file).toBe(live);
    // The replaced file's log goes with it; only the rebuilt file is left.
    await expect.poll(() => existsSync(`${live}-wal`)).toBe(false);
    expect(readdirSync(dataDir).filter((f) => /^ledger\..*sqlite$/.test(f))).toEqual([
      'ledger.rebuilt-' + now.file.split('ledger.rebuilt-')[1],
      'ledger.sqlite',
    ]);
  });

  it('fails after REBUILD_TIMEOUT without the log, and the live file serves and follows as before', async () => {
    await service!();
    service = await startReadService(ledger, {
      env: envReader({ ...settings, REBUILD_TIMEOUT: '1' }),
      logger,
    });
    const before = await served();
    await articles!.close();
    articles = undefined;
    expect((await admin('POST')).status).toBe(202);
    await expect
      .poll(async () => (await rebuildStatus()).state, { timeout: 15_000 })
      .toBe('failed');
    expect((await rebuildStatus()).error).toMatch(/REBUILD_TIMEOUT/);
    expect(readdirSync(dataDir).filter((f) => f.includes('rebuilt'))).toEqual([]);
    expect(await served()).toEqual(before);

    articles = await startArticles({ env, logger });
    const commands = createArticlesCommands(env.address('ARTICLES_ADDRESS', ''));
    await commands.registerAuthor({ name: 'After the failure' });
    commands.close();
    await expect.poll(ledgerRows, { timeout: 30_000 }).toBe(before.rows + 1);
  });

  it('abandons a rebuild under way when it stops, leaving the live file and no rebuilt one', async () => {
    await articles!.close();
    articles = undefined;
    expect((await admin('POST')).status).toBe(202);
    expect((await rebuildStatus()).state).toBe('rebuilding');
    await service!();
    service = undefined;
    expect(readdirSync(dataDir).filter((f) => f.startsWith('ledger.'))).toEqual(['ledger.sqlite']);
  });

  it('keeps its admin port to callers with the token of its data directory', async () => {
    const file = join(dataDir, 'ledger.admin.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readAdminAddress(file)!.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const refused = await admin('POST', 'guessed');
    expect(refused.status).toBe(401);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect((await rebuildStatus()).state).toBe('idle');
    await service!();
    service = undefined;
    expect(existsSync(file)).toBe(false);
  });
});

describe(
  'rebuilding a read model while the service serves it, on Kafka',
  { timeout: 120_000 },
  () => {
    beforeAll(async () => {
      const { brokers } = await ensureKafka();
      transportEnv = {
        TRANSPORT: 'kafka',
        KAFKA_BROKERS: brokers.join(','),
        // Topics of their own, so runs never see each other's events.
        KAFKA_TOPIC_PREFIX: `live-rebuild-${randomUUID().slice(0, 8)}-`,
      };
    }, 120_000);
    afterAll(() => {
      transportEnv = {};
    });

    it('replays the topics into a file that carries its own offsets, and follows on from them once swapped', async () => {
      const commands = createArticlesCommands(env.address('ARTICLES_ADDRESS', ''));
      const live = (await served()).file;
      expect((await admin('POST')).status).toBe(202);
      for (let i = 0; i < 5; i++) await commands.registerAuthor({ name: `During ${i}` });
      await expect
        .poll(async () => (await rebuildStatus()).state, { timeout: 90_000 })
        .toBe('done');
      for (let i = 0; i < 5; i++) await commands.registerAuthor({ name: `After ${i}` });
      commands.close();

      expect((await served()).file).not.toBe(live);
      await expect.poll(ledgerRows, { timeout: 30_000 }).toBe(head());
      expect((await served()).positions).toBe(head());
      const rebuilt = openReadModel(realpathSync(join(dataDir, 'ledger.sqlite')));
      const offsets = rebuilt
        .prepare('SELECT source, transport_offset AS offset FROM projection_checkpoints')
        .all() as { source: string; offset: number | null }[];
      rebuilt.close();
      expect(offsets.length).toBeGreaterThan(0);
      for (const { source, offset } of offsets) {
        expect(source).toMatch(new RegExp(`^${transportEnv['KAFKA_TOPIC_PREFIX']}`));
        expect(offset).not.toBeNull();
      }
    });
  },
);
