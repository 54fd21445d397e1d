import type { Delivery, FollowedSource } from '@fairflax/event-store';
import { openReadModel, ProjectionRunner, type Projection } from '@fairflax/projections';
import { authorRegistered, eventLog } from '@fairflax/projections/testing';
import type { Logger } from '@fairflax/service-kit';
import { envReader } from '@fairflax/service-kit';
import { describe, expect, it } from 'vitest';
import { rebuildWhileServing, type LiveReadModel, type StandbyFile } from './live-rebuild.js';

const counting: Projection = {
  name: 'count-v1',
  migrate: (db) => db.exec('CREATE TABLE IF NOT EXISTS seen (position INTEGER NOT NULL)'),
  apply: (db, e) => db.prepare('INSERT INTO seen VALUES (?)').run(e.globalPosition),
};

const author = (n: number) => authorRegistered(`author-${n}`);
const memoryDb = () => openReadModel(':memory:');

/** The log as batches; `afterLast` decides what the source does once they are all handed out. */
function scriptedSource(batches: Delivery[][], afterLast: 'wait' | 'fail'): FollowedSource {
  return {
    async *batches(from, signal) {
      for (const batch of batches) {
        const fresh = batch.filter((d) => d.position > from(d.source));
        if (fresh.length > 0) yield fresh;
      }
      if (afterLast === 'fail') throw new Error('disk full');
      await new Promise((resolve) => signal.addEventListener('abort', resolve));
    },
    status: () => ({}),
    close: () => undefined,
  };
}

/**
 * A live file that has applied `applied`; pausing its follower commits `underWay` first, as the
 * batch under way does. Calls are journaled.
 */
function servedModel(applied: Delivery[], underWay: Delivery[], source: FollowedSource) {
  const journal: string[] = [];
  const live = new ProjectionRunner(memoryDb(), counting);
  live.applyBatch(applied);
  let standby: StandbyFile | undefined;
  const model: LiveReadModel = {
    service: 'count',
    env: envReader({}),
    logger: {} as Logger,
    live: () => ({ path: 'live', runner: live }),
    standby: (path) => {
      const db = memoryDb();
      standby = {
        file: { path, db, runner: new ProjectionRunner(db, counting) },
        discard: () => {
          journal.push('discarded');
          return Promise.resolve();
        },
      };
      return Promise.resolve(standby);
    },
    openRebuildSource: () => Promise.resolve(source),
    pauseFollowing: () => {
      journal.push(`paused at ${standby!.file.runner.globalPosition()}`);
      if (underWay.length > 0) live.applyBatch(underWay);
      return Promise.resolve();
    },
    resumeFollowing: () => void journal.push('resumed'),
    swapTo: () => {
      journal.push(`swapped at ${standby!.file.runner.globalPosition()}`);
      return { retired: Promise.resolve() };
    },
  };
  const rows = () =>
    standby!.file.db.prepare('SELECT count(*) AS n, count(DISTINCT position) AS d FROM seen').get();
  return { model, journal, rows };
}

const options = {
  path: 'rebuilt',
  timeoutMs: 5_000,
  signal: new AbortController().signal,
  onProgress: () => undefined,
  beforeSwap: () => undefined,
  checkEveryMs: 5,
};

describe('rebuilding while the live file serves', () => {
  it('pauses the live follower once the rebuilt file has reached it, and swaps once it has what the paused follower committed', async () => {
    const log = eventLog();
    const batches = [1, 2, 3, 4].map((b) => log([author(b * 10), author(b * 10 + 1)]));
    const { model, journal, rows } = servedModel(
      batches.slice(0, 3).flat(),
      batches[3]!,
      scriptedSource(batches, 'wait'),
    );
    const done = await rebuildWhileServing(model, options);
    expect(journal).toEqual(['paused at 6', 'swapped at 8']);
    expect(done).toMatchObject({ position: 8, events: 8 });
    expect(rows()).toEqual({ n: 8, d: 8 });
  });

  it('resumes the live follower and discards the rebuilt file when the rebuild fails after the pause', async () => {
    const log = eventLog();
    const first = log([author(1), author(2)]);
    const { model, journal } = servedModel(
      first,
      log([author(3)]),
      scriptedSource([first], 'fail'),
    );
    await expect(rebuildWhileServing(model, options)).rejects.toThrow('disk full');
    expect(journal).toEqual(['paused at 2', 'resumed', 'discarded']);
  });

  it('gives up when the log stays silent while the live file is ahead, without pausing it', async () => {
    const log = eventLog();
    const { model, journal } = servedModel(log([author(1)]), [], scriptedSource([], 'wait'));
    await expect(rebuildWhileServing(model, { ...options, timeoutMs: 30 })).rejects.toThrow(
      /REBUILD_TIMEOUT/,
    );
    expect(journal).toEqual(['discarded']);
  });
});
