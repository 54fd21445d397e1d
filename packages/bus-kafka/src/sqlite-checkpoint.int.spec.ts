import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteEventStore, SqliteCheckpoint } from '@fairflax/event-store-sqlite';
import { afterEach, describe, expect, it } from 'vitest';

describe('SqliteCheckpoint (the relay checkpoint in the articles database)', () => {
  const dirs: string[] = [];
  const file = () => {
    const dir = mkdtempSync(join(tmpdir(), 'relay-checkpoint-'));
    dirs.push(dir);
    return join(dir, 'articles.db');
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('starts at 0, and keeps each named position across reopening the file', () => {
    const path = file();
    const first = new SqliteCheckpoint(path);
    expect(first.load()).toBe(0);
    first.save(41);
    first.save(42);
    const other = new SqliteCheckpoint(path, 'other');
    other.save(7);
    other.close();
    first.close();

    const reopened = new SqliteCheckpoint(path);
    const otherReopened = new SqliteCheckpoint(path, 'other');
    expect(reopened.load()).toBe(42);
    expect(otherReopened.load()).toBe(7);
    otherReopened.close();
    expect(() => reopened.save(-1)).toThrow(RangeError);
    expect(() => reopened.save(1.5)).toThrow(RangeError);
    reopened.close();
  });

  it('lives in the same file as a running event store, each on its own connection', async () => {
    const path = file();
    const store = openSqliteEventStore(path);
    const checkpoint = new SqliteCheckpoint(path, 'kafka');
    const appends = Array.from({ length: 20 }, (_, i) =>
      store.append(`author-${i}`, 'no_stream', [
        {
          eventId: `e${i}`,
          type: 'AuthorRegistered',
          schemaVersion: 1,
          data: new Uint8Array([i]),
          metadata: {},
        },
      ]),
    );
    for (let p = 1; p <= 20; p++) checkpoint.save(p);
    await Promise.all(appends);

    expect(await store.headPosition()).toBe(20);
    expect(checkpoint.load()).toBe(20);
    await store.close();
    checkpoint.close();
  });
});
