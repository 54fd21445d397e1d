import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConcurrencyError, type NewEvent } from '@fairflax/event-store';
import { eventStoreContract } from '@fairflax/event-store/contract';
import { afterEach, describe, expect, it } from 'vitest';
import {
  openSqliteEventStore,
  type GroupCommit,
  type SqliteEventStore,
  type SqliteEventStoreOptions,
} from './index.js';

const directories: string[] = [];
const stores: SqliteEventStore[] = [];

function tempFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'event-store-sqlite-'));
  directories.push(dir);
  return join(dir, 'events.sqlite');
}

function openStore(path: string, options?: SqliteEventStoreOptions): SqliteEventStore {
  const store = openSqliteEventStore(path, options);
  stores.push(store);
  return store;
}

afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()));
  for (const dir of directories.splice(0)) rmSync(dir, { recursive: true, force: true });
});

eventStoreContract(
  'SqliteEventStore',
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'event-store-sqlite-contract-'));
    const path = join(dir, 'events.sqlite');
    return Promise.resolve({
      store: openSqliteEventStore(path),
      reopen: () => Promise.resolve(openSqliteEventStore(path)),
      cleanup: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })),
    });
  },
  { persistent: true },
);

let sequence = 0;
function newEvent(): NewEvent {
  sequence += 1;
  return {
    eventId: `sqlite-event-${sequence}`,
    type: 'ArticleDrafted',
    schemaVersion: 1,
    data: Uint8Array.of(sequence % 256),
    metadata: {},
  };
}

describe('SqliteEventStore', () => {
  it('commits 200 concurrent appends in far fewer transactions, each with its own correct result', async () => {
    const store = openStore(tempFile());
    const before = store.stats.transactions;
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        store.append(`article-${i}`, 'no_stream', [newEvent()]),
      ),
    );
    const transactions = store.stats.transactions - before;
    expect(transactions).toBeGreaterThan(0);
    expect(transactions).toBeLessThan(200);
    expect(results.every((r) => r.streamVersion === 1 && !r.duplicate)).toBe(true);
    expect(results.map((r) => r.globalPosition).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 200 }, (_, i) => i + 1),
    );
    for (const [i, result] of results.entries()) {
      const [stored] = await store.readAll(result.globalPosition - 1, 1);
      expect(stored).toMatchObject({ streamId: `article-${i}`, streamVersion: 1 });
    }
  });

  it('rolls back only the failing appends of a group; the others in the same transaction commit', async () => {
    const store = openStore(tempFile());
    const taken = newEvent();
    await store.append('article-taken', 'no_stream', [taken]);
    const before = store.stats.transactions;

    const outcomes = await Promise.allSettled([
      store.append('article-1', 'no_stream', [newEvent(), newEvent()]),
      store.append('article-taken', 'no_stream', [newEvent()]),
      store.append('article-2', 'no_stream', [
        newEvent(),
        { ...newEvent(), eventId: taken.eventId },
      ]),
      store.append('article-3', 'no_stream', [newEvent()]),
    ]);

    expect(store.stats.transactions - before).toBe(1);
    expect(outcomes.map((o) => o.status)).toEqual([
      'fulfilled',
      'rejected',
      'rejected',
      'fulfilled',
    ]);
    expect(outcomes[1]).toMatchObject({ reason: expect.any(ConcurrencyError) });
    expect(outcomes[2]).toMatchObject({
      reason: { message: expect.stringContaining(taken.eventId) },
    });
    expect(outcomes[0]).toMatchObject({ value: { streamVersion: 2, globalPosition: 3 } });
    expect(outcomes[3]).toMatchObject({ value: { streamVersion: 1, globalPosition: 4 } });
    expect((await store.readAll(0, 10)).map((e) => `${e.streamId}@${e.streamVersion}`)).toEqual([
      'article-taken@1',
      'article-1@1',
      'article-1@2',
      'article-3@1',
    ]);
    expect(await store.readStream('article-2')).toEqual([]);
  });

  it('tells its group-commit listeners of each commit: the appends it stored and how long each took', async () => {
    const store = openStore(tempFile());
    const commits: GroupCommit[] = [];
    const unsubscribe = store.onGroupCommit((commit) => commits.push(commit));
    await Promise.allSettled([
      store.append('article-1', 'no_stream', [newEvent(), newEvent()], { commandId: 'cmd-1' }),
      store.append('article-1', 'no_stream', [newEvent()]),
      store.append('article-2', 'no_stream', [newEvent()], { commandId: 'cmd-1' }),
      store.append('article-3', 'no_stream', [newEvent()]),
    ]);
    await store.append('article-1', 'no_stream', [newEvent()]).catch(() => undefined);
    expect(commits.map((c) => c.appends)).toEqual([2]);
    expect(commits[0]?.appendSeconds).toHaveLength(2);
    for (const seconds of commits[0]?.appendSeconds ?? [])
      expect(seconds).toBeGreaterThanOrEqual(0);
    unsubscribe();
    await store.append('article-4', 'no_stream', [newEvent()]);
    expect(commits).toHaveLength(1);
  });

  it('answers a command id repeated within one group with the result of its first append', async () => {
    const store = openStore(tempFile());
    const [first, second] = await Promise.all([
      store.append('article-1', 'no_stream', [newEvent()], { commandId: 'cmd-1' }),
      store.append('article-2', 'no_stream', [newEvent()], { commandId: 'cmd-1' }),
    ]);
    expect(first).toEqual({ streamVersion: 1, globalPosition: 1, duplicate: false });
    expect(second).toEqual({ ...first, duplicate: true });
    expect(await store.readStream('article-2')).toEqual([]);
    expect(store.stats).toEqual({ transactions: 1, appends: 1 });
  });

  it('stamps events with the time of its clock', async () => {
    const store = openStore(tempFile(), { now: () => new Date('2026-06-01T08:00:00.000Z') });
    await store.append('article-1', 'no_stream', [newEvent()]);
    const [stored] = await store.readStream('article-1');
    expect(stored?.recordedAt).toBe('2026-06-01T08:00:00.000Z');
  });

  it('commits appends still queued when it is closed', async () => {
    const path = tempFile();
    const store = openSqliteEventStore(path);
    const pending = store.append('article-1', 'no_stream', [newEvent()]);
    await store.close();
    await expect(pending).resolves.toMatchObject({ streamVersion: 1, globalPosition: 1 });
    const reopened = openStore(path);
    expect(await reopened.headPosition()).toBe(1);
  });

  it('shows a subscription on a second store the appends of the first store on the same file', async () => {
    const path = tempFile();
    const writer = openStore(path);
    const reader = openStore(path);
    await writer.append('article-1', 'no_stream', [newEvent()]);
    const abort = new AbortController();
    const feed = reader.subscribe(0, { signal: abort.signal });
    expect((await feed.next()).value?.map((e) => e.globalPosition)).toEqual([1]);

    // The reader is now waiting; only its polling can notice the writer's commit.
    const live = feed.next();
    await writer.append('article-1', 1, [newEvent(), newEvent()]);
    const next = await live;
    expect(next.value?.map((e) => `${e.streamId}@${e.streamVersion}`)).toEqual([
      'article-1@2',
      'article-1@3',
    ]);
    abort.abort();
    await expect(feed.next()).resolves.toMatchObject({ done: true });
  });

  it('checks expected versions against appends made through another store on the same file', async () => {
    const path = tempFile();
    const first = openStore(path);
    const second = openStore(path);
    await first.append('article-1', 'no_stream', [newEvent()]);
    await expect(second.append('article-1', 'no_stream', [newEvent()])).rejects.toMatchObject({
      actual: 1,
    });
    await expect(second.append('article-1', 1, [newEvent()])).resolves.toMatchObject({
      streamVersion: 2,
      globalPosition: 2,
    });
    await expect(first.append('article-1', 2, [newEvent()])).resolves.toMatchObject({
      streamVersion: 3,
      globalPosition: 3,
    });
  });

  it('creates the directory of a new store file', async () => {
    const path = join(tempFile(), '..', 'nested', 'deeper', 'events.sqlite');
    const store = openStore(path);
    await expect(store.append('article-1', 'no_stream', [newEvent()])).resolves.toMatchObject({
      globalPosition: 1,
    });
  });
});
