import { existsSync, lstatSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  openReadModel,
  ProjectionRunner,
  type Delivery,
  type EventSource,
} from '@fairflax/projections';
import {
  authorRegistered as registered,
  authorRenamed as renamed,
  authorRows as rows,
  authorsProjection,
  deliveriesOf,
} from '@fairflax/projections/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { formatProgress, rebuildReadModel } from './rebuild.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const tempDb = () => {
  const dir = mkdtempSync(join(tmpdir(), 'rebuild-'));
  dirs.push(dir);
  return join(dir, 'read-model.sqlite');
};

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

  it('replaces a read model a live rebuild left behind a link, and the file it pointed at', async () => {
    const path = tempDb();
    const swappedTo = join(dirname(path), 'read-model.rebuilt-1.sqlite');
    const old = new ProjectionRunner(openReadModel(swappedTo), authorsProjection());
    old.applyBatch(deliveriesOf([registered('stale')]));
    old.db.close();
    symlinkSync('read-model.rebuilt-1.sqlite', path);

    await rebuildReadModel({
      dbPath: path,
      projection: authorsProjection(),
      source: fixedSource([deliveriesOf([registered('fresh')])], { head: 1 }),
      headPosition: () => 1,
    });
    expect(lstatSync(path).isSymbolicLink()).toBe(false);
    expect(readdirSync(dirname(path))).toEqual(['read-model.sqlite']);
    const rebuilt = openReadModel(path);
    expect(rows(rebuilt)).toEqual([{ id: 'fresh', name: 'fresh', changes: 1 }]);
    rebuilt.close();
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
