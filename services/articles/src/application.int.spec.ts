import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConcurrencyError } from '@fairflax/event-store';
import { openSqliteEventStore, type SqliteEventStore } from '@fairflax/event-store-sqlite';
import { decodeEvent } from '@fairflax/events';
import { afterEach, describe, expect, it } from 'vitest';
import { ArticlesApplication, type CommandOutcome } from './application.js';

const N = 100;
const directories: string[] = [];
const stores: SqliteEventStore[] = [];

afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()));
  for (const dir of directories.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function openStore(path: string): SqliteEventStore {
  const store = openSqliteEventStore(path);
  stores.push(store);
  return store;
}

/** A SQLite event store file with author `zoe` and draft `a1` (version 1) in it. */
async function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'articles-app-'));
  directories.push(dir);
  const path = join(dir, 'events.sqlite');
  const store = openStore(path);
  const app = new ArticlesApplication(store, { now: () => new Date(), newId: randomUUID });
  await app.handleAuthor({ type: 'RegisterAuthor', data: { authorId: 'zoe', name: 'Zoë' } });
  await app.handleArticle({
    type: 'DraftArticle',
    data: { articleId: 'a1', title: 'T', body: 'B', category: 'business', authorId: 'zoe' },
  });
  return { path, store, app };
}

const revise = (app: ArticlesApplication, i: number, context = {}) =>
  app.handleArticle({ type: 'ReviseArticle', data: { articleId: 'a1', title: `T${i}` } }, context);

const versions = (outcomes: CommandOutcome[]) =>
  outcomes.map((o) => o.streamVersion).sort((a, b) => a - b);
const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);

describe('ArticlesApplication on SQLite, under contention', () => {
  it(`applies all of ${N} concurrent revisions without an expected version, one version each`, async () => {
    const { app, store } = await setup();
    const outcomes = await Promise.all(range(0, N).map((i) => revise(app, i)));
    expect(versions(outcomes)).toEqual(range(2, N));
    const stored = await store.readStream('article-a1');
    expect(stored).toHaveLength(1 + N);
    const last = stored.at(-1)!;
    const winner = outcomes.find((o) => o.streamVersion === 1 + N)!;
    expect(last.globalPosition).toBe(winner.globalPosition);
    expect(decodeEvent(last.type, last.schemaVersion, last.data).data).toMatchObject({
      title: `T${outcomes.indexOf(winner)}`,
    });
  });

  it(`lets exactly one of ${N} commands with the same expected version win, while ${N} without one all apply`, async () => {
    const { app, store } = await setup();
    // Interleaved: the versioned ones at even indexes, the first of them arriving first.
    const settled = await Promise.allSettled(
      range(0, 2 * N).map((i) => revise(app, i, i % 2 === 0 ? { expectedVersion: 1 } : {})),
    );
    const versioned = settled.filter((_, i) => i % 2 === 0);
    const unversioned = settled.filter((_, i) => i % 2 === 1);
    const lost = versioned.flatMap((s) => (s.status === 'rejected' ? [s.reason as unknown] : []));
    expect(versioned.filter((s) => s.status === 'fulfilled')).toHaveLength(1);
    expect(lost).toHaveLength(N - 1);
    for (const err of lost) expect(err).toBeInstanceOf(ConcurrencyError);
    expect(lost[0]).toMatchObject({ message: 'stream article-a1 is at version 3, expected 1' });
    expect(unversioned.every((s) => s.status === 'fulfilled')).toBe(true);
    expect(await store.readStream('article-a1')).toHaveLength(1 + 1 + N);
  });

  it(`stores each of ${N} concurrent commands once when every one is sent twice`, async () => {
    const { app, store } = await setup();
    const outcomes = await Promise.all(
      [...range(0, N), ...range(0, N)].map((i) => revise(app, i, { commandId: `revise-${i}` })),
    );
    const first = outcomes.slice(0, N);
    const again = outcomes.slice(N);
    expect(first.every((o) => !o.duplicate)).toBe(true);
    expect(again).toEqual(first.map((o) => ({ ...o, duplicate: true })));
    expect(versions(first)).toEqual(range(2, N));
    expect(await store.readStream('article-a1')).toHaveLength(1 + N);
  });

  it('re-decides commands that lose the race to another process until all of them apply', async () => {
    const { app, path, store } = await setup();
    // A second connection to the same file stands for a second articles process.
    const other = new ArticlesApplication(openStore(path), {
      now: () => new Date(),
      newId: randomUUID,
    });
    const outcomes = await Promise.all(
      range(0, N).map((i) => revise(i % 2 === 0 ? app : other, i)),
    );
    expect(versions(outcomes)).toEqual(range(2, N));
    expect(await store.readStream('article-a1')).toHaveLength(1 + N);
  });
});
