import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from '@fairflax/sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { openReadModel } from './database.js';
import { formatProgress, rebuildReadModel } from './rebuild.js';
import { ProjectionRunner } from './runner.js';
import {
  authorRegistered as registered,
  authorRenamed as renamed,
  deliveriesOf,
} from './testing.js';
import type { Database, Delivery, EventSource, Projection } from './types.js';

/**
 * A read model that counts events per author: small enough to check by hand. Registering
 * `lockedOn` fails as a locked database does: not the event's fault, so the batch rolls back.
 */
const authorsProjection = (lockedOn?: string): Projection => ({
  name: 'authors',
  migrate: (db) =>
    db.exec(
      'CREATE TABLE IF NOT EXISTS authors (id TEXT PRIMARY KEY, name TEXT, changes INTEGER) STRICT',
    ),
  apply: (db, { event }) => {
    if (event.type === 'AuthorRegistered') {
      db.prepare('INSERT INTO authors VALUES (?, ?, 1)').run(event.data.authorId, event.data.name);
      if (event.data.name === lockedOn)
        throw new Sqlite.SqliteError(`database is locked at ${lockedOn}`, 'SQLITE_BUSY');
    } else if (event.type === 'AuthorRenamed') {
      db.prepare('UPDATE authors SET name = ?, changes = changes + 1 WHERE id = ?').run(
        event.data.name,
        event.data.authorId,
      );
    }
  },
});

const rows = (db: Database) =>
  db.prepare('SELECT id, name, changes FROM authors ORDER BY id').all();

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const tempDb = () => {
  const dir = mkdtempSync(join(tmpdir(), 'projections-'));
  dirs.push(dir);
  return join(dir, 'read-model.sqlite');
};

describe('ProjectionRunner', () => {
  it('applies a batch and records the position it reached', () => {
    const runner = new ProjectionRunner(openReadModel(':memory:'), authorsProjection());
    const result = runner.applyBatch(
      deliveriesOf([registered('a'), registered('b'), renamed('a', 'A2')]),
    );
    expect(result).toEqual({ applied: 3, skipped: 0 });
    expect(runner.position('log')).toBe(3);
    expect(runner.globalPosition()).toBe(3);
    expect(rows(runner.db)).toEqual([
      { id: 'a', name: 'A2', changes: 2 },
      { id: 'b', name: 'b', changes: 1 },
    ]);
  });

  it('skips a redelivered batch, changing nothing', () => {
    const runner = new ProjectionRunner(openReadModel(':memory:'), authorsProjection());
    const batch = deliveriesOf([registered('a'), renamed('a', 'A2')]);
    runner.applyBatch(batch);
    const before = rows(runner.db);
    expect(runner.applyBatch(batch)).toEqual({ applied: 0, skipped: 2 });
    // A batch overlapping what was applied applies only the new part.
    const overlapping = [...batch, ...deliveriesOf([renamed('a', 'A3')], 2)];
    expect(runner.applyBatch(overlapping)).toEqual({ applied: 1, skipped: 2 });
    expect(rows(runner.db)).toEqual([{ id: 'a', name: 'A3', changes: 3 }]);
    expect(before).toEqual([{ id: 'a', name: 'A2', changes: 2 }]);
  });

  it('rolls back the whole batch and keeps its position when the database fails under one event', () => {
    const runner = new ProjectionRunner(openReadModel(':memory:'), authorsProjection('locked'));
    runner.applyBatch(deliveriesOf([registered('a')]));
    const bad = deliveriesOf([registered('b'), registered('c', 'locked'), registered('d')], 1);
    expect(() => runner.applyBatch(bad)).toThrowError(/database is locked at locked/);
    expect(runner.position('log')).toBe(1);
    expect(rows(runner.db)).toEqual([{ id: 'a', name: 'a', changes: 1 }]);
  });

  it('keeps positions per source, so partitions advance independently', () => {
    const runner = new ProjectionRunner(openReadModel(':memory:'), authorsProjection());
    const p0 = deliveriesOf([registered('a')], 10, 'author/0');
    const p1 = deliveriesOf([registered('b')], 4, 'author/1');
    runner.applyBatch([...p0, ...p1]);
    expect(runner.position('author/0')).toBe(11);
    expect(runner.position('author/1')).toBe(5);
    expect(runner.globalPosition()).toBe(11);
  });

  it('resumes from the stored position after the file is reopened', () => {
    const path = tempDb();
    const first = new ProjectionRunner(openReadModel(path), authorsProjection());
    first.applyBatch(deliveriesOf([registered('a'), registered('b')]));
    first.db.close();
    const second = new ProjectionRunner(openReadModel(path), authorsProjection());
    expect(second.position('log')).toBe(2);
    expect(
      second.applyBatch(deliveriesOf([registered('a'), registered('b'), registered('c')])),
    ).toEqual({ applied: 1, skipped: 2 });
    expect(rows(second.db)).toHaveLength(3);
  });

  it('tells post-commit listeners what it applied, and only after a commit', () => {
    const seen: string[] = [];
    const runner = new ProjectionRunner(openReadModel(':memory:'), authorsProjection('locked'), {
      onCommitted: (events) => seen.push(...events.map((e) => e.streamId)),
    });
    runner.applyBatch(deliveriesOf([registered('a')]));
    expect(() =>
      runner.applyBatch(deliveriesOf([registered('b'), registered('locked', 'locked')], 1)),
    ).toThrowError();
    expect(seen).toEqual(['author-a']);
  });

  it('wakes a reader waiting for a position once it is applied, and times out otherwise', async () => {
    const runner = new ProjectionRunner(openReadModel(':memory:'), authorsProjection());
    const waiting = runner.waitForPosition(2, 5_000);
    runner.applyBatch(deliveriesOf([registered('a'), registered('b')]));
    await expect(waiting).resolves.toBe(true);
    await expect(runner.waitForPosition(3, 10)).resolves.toBe(false);
    await expect(runner.waitForPosition(1, 0)).resolves.toBe(true);
  });
});

/** Deliveries as a transport with offsets of its own hands them out: offsets from `first` on. */
const withOffsets = (deliveries: Delivery[], first: number): Delivery[] =>
  deliveries.map((d, i) => ({ ...d, offset: first + i }));
const checkpointRows = (db: Database) =>
  db.prepare('SELECT * FROM projection_checkpoints ORDER BY projection, source').all();

describe('transport offsets', () => {
  it('stores the offset of the last delivery with the position, in the same transaction', () => {
    const path = tempDb();
    const runner = new ProjectionRunner(openReadModel(path), authorsProjection());
    expect(runner.offset('author/0')).toBeUndefined();
    runner.applyBatch(
      withOffsets(deliveriesOf([registered('a'), registered('b')], 0, 'author/0'), 700),
    );
    expect(runner.offset('author/0')).toBe(701);
    expect(checkpointRows(runner.db)).toEqual([
      {
        projection: 'authors',
        source: 'author/0',
        position: 2,
        global_position: 2,
        transport_offset: 701,
      },
    ]);
    runner.db.close();
    expect(new ProjectionRunner(openReadModel(path), authorsProjection()).offset('author/0')).toBe(
      701,
    );
  });

  it('changes nothing when a batch is delivered again at the same offsets', () => {
    const runner = new ProjectionRunner(openReadModel(':memory:'), authorsProjection());
    const batch = withOffsets(deliveriesOf([registered('a'), renamed('a', 'A2')]), 40);
    runner.applyBatch(batch);
    const before = { authors: rows(runner.db), checkpoints: checkpointRows(runner.db) };
    expect(runner.applyBatch(batch)).toEqual({ applied: 0, skipped: 2 });
    expect({ authors: rows(runner.db), checkpoints: checkpointRows(runner.db) }).toEqual(before);
    expect(runner.offset('log')).toBe(41);
  });

  it('moves the offset but not the position when a redelivery comes at later offsets', () => {
    const runner = new ProjectionRunner(openReadModel(':memory:'), authorsProjection());
    const batch = deliveriesOf([registered('a'), renamed('a', 'A2')]);
    runner.applyBatch(withOffsets(batch, 40));
    // The same events again, copied further along the partition (a replayed relay).
    expect(runner.applyBatch(withOffsets(batch, 90))).toEqual({ applied: 0, skipped: 2 });
    expect(runner.position('log')).toBe(2);
    expect(runner.offset('log')).toBe(91);
    expect(checkpointRows(runner.db)).toMatchObject([{ position: 2, transport_offset: 91 }]);
  });

  it('leaves the offset as it was when a batch rolls back', () => {
    const runner = new ProjectionRunner(openReadModel(':memory:'), authorsProjection('locked'));
    runner.applyBatch(withOffsets(deliveriesOf([registered('a')]), 10));
    const failing = withOffsets(deliveriesOf([registered('b'), registered('c', 'locked')], 1), 11);
    expect(() => runner.applyBatch(failing)).toThrowError(/locked/);
    expect(runner.offset('log')).toBe(10);
    expect(checkpointRows(runner.db)).toMatchObject([{ position: 1, transport_offset: 10 }]);
  });

  it('keeps the stored offset when later deliveries carry none', () => {
    const runner = new ProjectionRunner(openReadModel(':memory:'), authorsProjection());
    runner.applyBatch(withOffsets(deliveriesOf([registered('a')]), 10));
    runner.applyBatch(deliveriesOf([registered('b')], 1));
    expect(runner.position('log')).toBe(2);
    expect(runner.offset('log')).toBe(10);
  });

  it('adds the offset column to a checkpoint table written before offsets were stored', () => {
    const path = tempDb();
    const old = openReadModel(path);
    old.exec(`CREATE TABLE projection_checkpoints (projection TEXT NOT NULL, source TEXT NOT NULL,
      position INTEGER NOT NULL, global_position INTEGER NOT NULL, PRIMARY KEY (projection, source)) STRICT`);
    old.prepare("INSERT INTO projection_checkpoints VALUES ('authors', 'log', 5, 5)").run();
    old.close();
    const runner = new ProjectionRunner(openReadModel(path), authorsProjection());
    expect(runner.position('log')).toBe(5);
    expect(runner.offset('log')).toBeUndefined();
    runner.applyBatch(withOffsets(deliveriesOf([registered('f')], 5), 3));
    expect(checkpointRows(runner.db)).toEqual([
      {
        projection: 'authors',
        source: 'log',
        position: 6,
        global_position: 6,
        transport_offset: 3,
      },
    ]);
  });

  it('tells the source the stored offsets when it starts following', async () => {
    const runner = new ProjectionRunner(openReadModel(':memory:'), authorsProjection());
    runner.applyBatch(withOffsets(deliveriesOf([registered('a')], 0, 'author/1'), 33));
    const asked: (number | undefined)[] = [];
    const controller = new AbortController();
    await runner.run(
      {
        // eslint-disable-next-line @typescript-eslint/require-await -- a source with nothing to deliver
        async *batches(_from, _signal, offsetOf) {
          asked.push(offsetOf?.('author/1'), offsetOf?.('author/0'));
          controller.abort();
          yield [];
        },
      },
      controller.signal,
    );
    expect(asked).toEqual([33, undefined]);
  });
});

/** A source that hands out fixed batches and then the head-only empty batch of a live feed. */
function fixedSource(batches: Delivery[][], state: { head: number }): EventSource {
  return {
    async *batches(from, signal) {
      for (const batch of batches) {
        if (signal.aborted) return;
        yield batch.filter((d) => d.position > from(d.source));
      }
      while (!signal.aborted) {
        await new Promise((r) => setTimeout(r, 5));
        yield [];
      }
      void state;
    },
  };
}

describe('rebuildReadModel', () => {
  it('replays from position 0 into a fresh file, reports progress and swaps it in', async () => {
    const path = tempDb();
    const old = new ProjectionRunner(openReadModel(path), authorsProjection());
    old.applyBatch(deliveriesOf([registered('stale')]));
    old.db.close();

    const all = deliveriesOf([
      registered('a'),
      registered('b'),
      renamed('a', 'A2'),
      registered('c'),
    ]);
    const progress: number[] = [];
    const result = await rebuildReadModel({
      dbPath: path,
      projection: authorsProjection(),
      source: fixedSource([all.slice(0, 2), all.slice(2)], { head: 4 }),
      headPosition: () => 4,
      onProgress: (p) => progress.push(p.position),
    });
    expect(result).toMatchObject({ position: 4, head: 4, events: 4, parked: 0 });
    expect(progress).toEqual([2, 4]);
    const rebuilt = new ProjectionRunner(openReadModel(path), authorsProjection());
    expect(rows(rebuilt.db)).toEqual([
      { id: 'a', name: 'A2', changes: 2 },
      { id: 'b', name: 'b', changes: 1 },
      { id: 'c', name: 'c', changes: 1 },
    ]);
    expect(rebuilt.position('log')).toBe(4);
  });

  it('finishes past an event it cannot read, counting it as parked', async () => {
    const path = tempDb();
    const all = deliveriesOf([registered('a'), registered('b'), registered('c')]);
    all[1] = { ...all[1]!, event: { ...all[1]!.event, type: 'NoSuchEvent' } };
    const result = await rebuildReadModel({
      dbPath: path,
      projection: authorsProjection(),
      source: fixedSource([all], { head: 3 }),
      headPosition: () => 3,
    });
    expect(result).toMatchObject({ position: 3, events: 2, parked: 1 });
    const rebuilt = new ProjectionRunner(openReadModel(path), authorsProjection());
    expect(rows(rebuilt.db).map((r) => (r as { id: string }).id)).toEqual(['a', 'c']);
  });

  it('finishes at once on an empty log', async () => {
    const path = tempDb();
    const result = await rebuildReadModel({
      dbPath: path,
      projection: authorsProjection(),
      source: fixedSource([], { head: 0 }),
      headPosition: () => 0,
    });
    expect(result).toMatchObject({ position: 0, events: 0 });
  });

  it('leaves the old read model, and no half-built copy, when the source fails', async () => {
    const path = tempDb();
    const old = new ProjectionRunner(openReadModel(path), authorsProjection());
    old.applyBatch(deliveriesOf([registered('kept')]));
    old.db.close();
    const all = deliveriesOf([registered('a'), registered('b')]);
    const failing: EventSource = {
      async *batches() {
        yield all.slice(0, 1);
        await new Promise((resolve) => setTimeout(resolve, 5));
        throw new Error('articles unreachable');
      },
    };
    await expect(
      rebuildReadModel({
        dbPath: path,
        projection: authorsProjection(),
        source: failing,
        headPosition: () => 2,
      }),
    ).rejects.toThrow('articles unreachable');
    expect(existsSync(`${path}.rebuild`)).toBe(false);
    const kept = new ProjectionRunner(openReadModel(path), authorsProjection());
    expect(rows(kept.db)).toEqual([{ id: 'kept', name: 'kept', changes: 1 }]);
    kept.db.close();
  });

  it('draws a progress bar', () => {
    expect(formatProgress({ position: 50, head: 100, events: 50, elapsedMs: 1000 }, 10)).toBe(
      '[#####.....]  50%  50/100 events  50/s',
    );
  });
});
