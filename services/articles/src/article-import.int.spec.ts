import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import { openSqliteEventStore, type SqliteEventStore } from '@fairflax/event-store-sqlite';
import { articleStream } from '@fairflax/events';
import type { Logger } from '@fairflax/service-kit';
import { afterEach, describe, expect, it } from 'vitest';
import { ArticlesApplication } from './application.js';
import {
  articleImport,
  ArticleImportService,
  IMPORT_LIMITS,
  type ImportLimits,
} from './article-import.js';
import { bindGrpc, createGrpcServer } from './grpc-server.js';

const logger = {
  error: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  debug: () => undefined,
} as unknown as Logger;

interface Summary {
  received: string;
  imported: string;
  duplicates: string;
  rejected: string;
  rejections?: { line: string; code: string; field?: string; reason: string }[];
  events: string;
  lastPosition: string;
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startImport(limits: ImportLimits = IMPORT_LIMITS) {
  const dir = mkdtempSync(join(tmpdir(), 'articles-import-'));
  const store: SqliteEventStore = openSqliteEventStore(join(dir, 'events.sqlite'));
  const app = new ArticlesApplication(store, { now: () => new Date(), newId: randomUUID });
  const deps = { app, store, logger, newId: randomUUID };
  const server = createGrpcServer(deps);
  articleImport(server, deps, limits);
  const port = await bindGrpc(server, '127.0.0.1:0');
  const client = new ArticleImportService(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  cleanups.push(() => store.close());
  cleanups.push(() => void server.forceShutdown());
  cleanups.push(() => client.close());
  await app.handleAuthor({ type: 'RegisterAuthor', data: { authorId: 'zoe', name: 'Zoë' } });
  /** Sends the records, half-closes, and resolves with the summary or the error. */
  const send = (records: object[]) =>
    new Promise<{ summary?: Summary; error?: grpc.ServiceError }>((resolve) => {
      const call = client['importArticles'] as (
        cb: (err: grpc.ServiceError | null, res?: Summary) => void,
      ) => grpc.ClientWritableStream<object>;
      const stream = call.call(client, (error, summary) =>
        resolve(error ? { error } : { ...(summary && { summary }) }),
      );
      for (const record of records) stream.write(record);
      stream.end();
    });
  return { store, app, client, send };
}

const record = (n: number, extra: object = {}) => ({
  line: n,
  commandId: `import-${n}`,
  articleId: `article-${n}`,
  authorId: 'zoe',
  title: `Title ${n}`,
  body: `Body ${n}`,
  category: 'business',
  published: n % 2 === 1,
  ...extra,
});
const records = (from: number, count: number) =>
  Array.from({ length: count }, (_, i) => record(from + i));

async function storedArticles(store: SqliteEventStore): Promise<string[]> {
  const events = await store.readAll(0, 10_000);
  return [...new Set(events.map((e) => e.streamId).filter((s) => s.startsWith('article')))];
}

describe('ImportArticles', () => {
  it('stores every article of the stream, published ones with their publication', async () => {
    const { store, send } = await startImport();
    const { summary } = await send(records(1, 3));
    expect(summary).toMatchObject({
      received: '3',
      imported: '3',
      duplicates: '0',
      rejected: '0',
      events: '5',
      lastPosition: String(await store.headPosition()),
    });
    const first = await store.readStream(articleStream('article-1'));
    expect(first.map((e) => [e.type, e.metadata['commandId']])).toEqual([
      ['ArticleDrafted', 'import-1'],
      ['ArticlePublished', 'import-1'],
    ]);
    expect((await store.readStream(articleStream('article-2'))).map((e) => e.type)).toEqual([
      'ArticleDrafted',
    ]);
  });

  it('stores nothing new when the same records are sent again, and counts them as duplicates', async () => {
    const { store, send } = await startImport();
    await send(records(1, 4));
    const head = await store.headPosition();
    const { summary } = await send(records(1, 4));
    expect(summary).toMatchObject({ received: '4', imported: '0', duplicates: '4', events: '0' });
    expect(await store.headPosition()).toBe(head);
  });

  it('derives the article id from the command id, so a re-run without ids finds the same articles', async () => {
    const { store, send } = await startImport();
    const noIds = records(1, 2).map((r) => ({ ...r, articleId: '' }));
    await send(noIds);
    const { summary } = await send(noIds);
    expect(summary).toMatchObject({ imported: '0', duplicates: '2' });
    expect(await storedArticles(store)).toHaveLength(2);
  });

  it('rejects bad records with their line and reason, stores none of them and goes on', async () => {
    const { store, send } = await startImport();
    const { summary } = await send([
      record(1),
      record(2, { category: 'Not A Category' }),
      record(3, { authorId: 'nobody' }),
      record(4, { commandId: '' }),
      record(5, { title: '   ' }),
      record(6),
    ]);
    expect(summary).toMatchObject({ received: '6', imported: '2', rejected: '4', events: '3' });
    expect(summary?.rejections?.map(({ line, code, field }) => [line, code, field])).toEqual([
      ['2', 'INVALID_ARGUMENT', 'category'],
      ['3', 'NOT_FOUND', ''],
      ['4', 'INVALID_ARGUMENT', 'command_id'],
      ['5', 'INVALID_ARGUMENT', 'title'],
    ]);
    expect(summary?.rejections?.[1]?.reason).toBe('author nobody does not exist');
    expect((await storedArticles(store)).sort()).toEqual(
      ['article-1', 'article-6'].map(articleStream),
    );
  });

  it('checks expected_version like a single command: a conflict stores nothing of that article', async () => {
    const { store, app, send } = await startImport();
    await app.handleArticle({
      type: 'DraftArticle',
      data: { articleId: 'taken', title: 'T', body: 'B', category: 'business', authorId: 'zoe' },
    });
    const head = await store.headPosition();
    const { summary } = await send([
      record(1, { articleId: 'taken', expectedVersion: 0 }),
      record(2, { expectedVersion: 0 }),
      record(3, { articleId: 'taken' }),
    ]);
    expect(summary?.rejections?.map(({ line, code }) => [line, code])).toEqual([
      ['1', 'ABORTED'],
      ['3', 'FAILED_PRECONDITION'],
    ]);
    expect(summary).toMatchObject({ imported: '1', rejected: '2' });
    expect((await store.readStream(articleStream('taken'))).length).toBe(1);
    expect(await store.headPosition()).toBe(head + 1);
  });

  it('rejects a body over the limit as invalid, naming the field', async () => {
    const { send } = await startImport();
    const { summary } = await send([record(1, { body: 'x'.repeat(100_001) }), record(2)]);
    expect(summary?.rejections?.map(({ line, field }) => [line, field])).toEqual([['1', 'body']]);
    expect(summary).toMatchObject({ imported: '1' });
  });

  it('echoes the line number of each record, and numbers records without one by their place in the call', async () => {
    const { send } = await startImport();
    const { summary } = await send([
      record(1, { line: '12345678901234', title: '' }),
      record(2, { line: 0, title: '' }),
    ]);
    expect(summary?.rejections?.map(({ line }) => line)).toEqual(['2', '12345678901234']);
  });

  it("fails the call on a record over gRPC's 4 MiB message limit, keeping the groups before it", async () => {
    const { store, send } = await startImport({ ...IMPORT_LIMITS, groupSize: 2 });
    const { error } = await send([
      ...records(1, 2),
      record(3, { body: 'x'.repeat(5 * 1024 * 1024) }),
      record(4),
    ]);
    expect(error?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect((await storedArticles(store)).sort()).toEqual(
      ['article-1', 'article-2'].map(articleStream),
    );
  });

  it('commits a group of records in one transaction', async () => {
    const { store, send } = await startImport();
    const before = store.stats.transactions;
    const { summary } = await send(records(1, 100));
    expect(summary).toMatchObject({ imported: '100' });
    expect(store.stats.transactions - before).toBe(1);
  });

  it('refuses more records than a call may carry with INVALID_ARGUMENT, keeping whole groups', async () => {
    const { store, send } = await startImport({
      ...IMPORT_LIMITS,
      groupSize: 2,
      recordsPerCall: 5,
    });
    const { error } = await send(records(1, 7));
    expect(error?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(error?.details).toBe(
      'an import call takes at most 5 records; split the archive over several calls',
    );
    expect((await storedArticles(store)).sort()).toEqual(
      ['article-1', 'article-2', 'article-3', 'article-4'].map(articleStream),
    );
  });

  it('leaves whole articles in whole groups when the client goes away mid-stream, and serves the next call', async () => {
    const { store, client, send } = await startImport({ ...IMPORT_LIMITS, groupSize: 2 });
    const call = (
      client['importArticles'] as (cb: () => void) => grpc.ClientWritableStream<object>
    ).call(client, () => undefined);
    for (const r of records(1, 3)) call.write(r);
    for (let i = 0; i < 100 && (await storedArticles(store)).length < 2; i++) await sleep(10);
    call.cancel();
    await sleep(200);
    // gRPC's cancel half-closes before it resets, so the last group may have been committed.
    const stored = (await storedArticles(store)).sort();
    expect([2, 3]).toContain(stored.length);
    expect(stored).toEqual(
      ['article-1', 'article-2', 'article-3'].slice(0, stored.length).map(articleStream),
    );
    const events = await store.readAll(0, 100);
    for (const id of ['article-1', 'article-3']) {
      if (!stored.includes(articleStream(id))) continue;
      expect(events.filter((e) => e.streamId === articleStream(id)).map((e) => e.type)).toEqual([
        'ArticleDrafted',
        'ArticlePublished',
      ]);
    }
    const { summary } = await send(records(4, 1));
    expect(summary).toMatchObject({ imported: '1' });
  });
});
