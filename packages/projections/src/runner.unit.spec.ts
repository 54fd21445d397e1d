import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openReadModel } from './database.js';
import { ProjectionRunner, RetryBatch, type ApplyMiddleware } from './runner.js';
import {
  authorRegistered as registered,
  authorRenamed as renamed,
  authorRows as rows,
  authorsProjection,
  deliveriesOf,
} from './testing.js';
import type { Database, Delivery } from './types.js';

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
    const runner = new ProjectionRunner(openReadModel(':memory:'), authorsProjection('locked'));
    runner.onCommitted((events) => seen.push(...events.map((e) => e.streamId)));
    runner.applyBatch(deliveriesOf([registered('a')]));
    expect(() =>
      runner.applyBatch(deliveriesOf([registered('b'), registered('locked', 'locked')], 1)),
    ).toThrowError();
    expect(seen).toEqual(['author-a']);
  });
});

describe('apply middleware', () => {
  it('wraps each new delivery in order, and may set one aside while the position moves past it', () => {
    const calls: string[] = [];
    const settled: boolean[] = [];
    const outer: ApplyMiddleware = {
      wrap: (d, apply) => {
        calls.push(`outer ${d.position}`);
        return apply();
      },
    };
    const skipB: ApplyMiddleware = {
      wrap: (d, apply) => {
        calls.push(`inner ${d.position}`);
        return d.event.streamId === 'author-b' ? undefined : apply();
      },
      settle: (committed) => settled.push(committed),
    };
    const runner = new ProjectionRunner(openReadModel(':memory:'), authorsProjection(), {
      middleware: [outer, skipB],
    });
    const batch = deliveriesOf([registered('a'), registered('b')]);
    expect(runner.applyBatch(batch)).toEqual({ applied: 1, skipped: 0 });
    expect(runner.applyBatch(batch)).toEqual({ applied: 0, skipped: 2 });

    expect(calls).toEqual(['outer 1', 'inner 1', 'outer 2', 'inner 2']);
    expect(settled).toEqual([true, true]);
    expect(rows(runner.db)).toEqual([{ id: 'a', name: 'a', changes: 1 }]);
    expect(runner.position('log')).toBe(2);
  });

  it('tells middleware the batch rolled back when the database fails', () => {
    const settled: boolean[] = [];
    const runner = new ProjectionRunner(openReadModel(':memory:'), authorsProjection('locked'), {
      middleware: [{ wrap: (_d, apply) => apply(), settle: (c) => settled.push(c) }],
    });
    expect(() => runner.applyBatch(deliveriesOf([registered('x', 'locked')]))).toThrowError();
    expect(settled).toEqual([false]);
    expect(runner.position('log')).toBe(0);
  });

  it('applies a batch once more, from scratch, when a middleware asks for it', () => {
    const settled: boolean[] = [];
    let retries = 1;
    const runner = new ProjectionRunner(openReadModel(':memory:'), authorsProjection(), {
      middleware: [
        {
          wrap: (d, apply) => {
            const projected = apply();
            if (d.position === 2 && retries-- > 0) throw new RetryBatch('once more');
            return projected;
          },
          settle: (c) => settled.push(c),
        },
      ],
    });

    expect(runner.applyBatch(deliveriesOf([registered('a'), registered('b')]))).toEqual({
      applied: 2,
      skipped: 0,
    });
    expect(settled).toEqual([false, true]);
    expect(rows(runner.db)).toEqual([
      { id: 'a', name: 'a', changes: 1 },
      { id: 'b', name: 'b', changes: 1 },
    ]);
  });

  it('retries a batch only once: a second RetryBatch rolls it back and propagates', () => {
    const settled: boolean[] = [];
    const runner = new ProjectionRunner(openReadModel(':memory:'), authorsProjection(), {
      middleware: [
        {
          wrap: () => {
            throw new RetryBatch('never settles');
          },
          settle: (c) => settled.push(c),
        },
      ],
    });

    expect(() => runner.applyBatch(deliveriesOf([registered('a')]))).toThrow('never settles');
    expect(settled).toEqual([false, false]);
    expect(runner.position('log')).toBe(0);
    expect(rows(runner.db)).toEqual([]);
  });

  it('applies events outside deliveries in one transaction and tells listeners once it commits', () => {
    const runner = new ProjectionRunner(openReadModel(':memory:'), authorsProjection('locked'));
    const seen: number[][] = [];
    runner.onCommitted((events) => seen.push(events.map((e) => e.globalPosition)));
    const [a, locked] = deliveriesOf([registered('a'), registered('l', 'locked')]);

    expect(runner.applyOutsideDeliveries((apply) => apply(a!.event).streamId)).toBe('author-a');
    expect(() => runner.applyOutsideDeliveries((apply) => apply(locked!.event))).toThrowError();

    expect(seen).toEqual([[1]]);
    expect(rows(runner.db)).toEqual([{ id: 'a', name: 'a', changes: 1 }]);
    expect(runner.position('log')).toBe(0);
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
