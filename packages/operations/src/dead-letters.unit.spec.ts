import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from '@fairflax/sqlite';
import {
  openReadModel,
  ProjectionRunner,
  type CommitListener,
  type Database,
  type ProjectedEvent,
} from '@fairflax/projections';
import {
  authorRegistered as registered,
  authorRenamed as renamed,
  eventLog,
  journalOf,
  journalProjection,
} from '@fairflax/projections/testing';
import { afterEach, describe, expect, it } from 'vitest';
import {
  isTransientError,
  listDeadLetters,
  requestReplay,
  type DeadLetter,
} from './dead-letter-store.js';
import {
  DeadLetterParking,
  pollReplayRequests,
  type DeadLetterParkingOptions,
} from './dead-letters.js';

const journal = (db: Database) => journalOf(db).map((e) => `${e.streamId}@${e.version}:${e.name}`);
const parked = (db: Database) =>
  listDeadLetters(db).map((l) => ({
    stream: l.event.streamId,
    position: l.position,
    reason: l.reason,
    attempts: l.attempts,
    error: l.error,
  }));

type SideOptions = DeadLetterParkingOptions & { onCommitted?: CommitListener };

/** A journal read model whose projection throws the fault set for an author's name. */
function journalSide(options: SideOptions = {}, db = openReadModel(':memory:')) {
  const faults = new Map<string, Error>();
  const parking = new DeadLetterParking('journal', options);
  const runner = new ProjectionRunner(
    db,
    journalProjection('journal', ({ name }) => faults.get(name)),
    { middleware: [parking] },
  );
  if (options.onCommitted) runner.onCommitted(options.onCommitted);
  return { runner, parking, db, faults, next: eventLog() };
}

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('poison events', () => {
  it('applies a batch once while no event is rejected, and again event by event after one is', () => {
    const calls: string[] = [];
    const runner = new ProjectionRunner(
      openReadModel(':memory:'),
      journalProjection('journal', ({ name }) => {
        calls.push(name);
        return name === 'poison' ? new Error('rejected') : undefined;
      }),
      { middleware: [new DeadLetterParking('journal')] },
    );
    const next = eventLog();

    runner.applyBatch(next([registered('a'), registered('poison'), registered('c')]));
    expect(calls.splice(0)).toEqual(['a', 'poison', 'a', 'poison', 'c']);
    expect(journal(runner.db)).toEqual(['author-a@1:a', 'author-c@1:c']);

    runner.applyBatch(next([registered('d'), registered('e')]));
    expect(calls).toEqual(['d', 'e']);
    expect(listDeadLetters(runner.db).map((l) => l.event.streamId)).toEqual(['author-poison']);
  });

  it('parks an event it cannot decode, with the error, while later events of other streams apply', () => {
    const side = journalSide();
    const batch = side.next([registered('a'), registered('b'), registered('c'), registered('d')]);
    batch[1] = { ...batch[1]!, event: { ...batch[1]!.event, type: 'NoSuchEvent' } };
    batch[2] = {
      ...batch[2]!,
      event: { ...batch[2]!.event, data: new Uint8Array([0xff, 0xff, 0xff]) },
    };

    expect(side.runner.applyBatch(batch)).toEqual({ applied: 2, skipped: 0 });

    expect(journal(side.db)).toEqual(['author-a@1:a', 'author-d@1:d']);
    expect(side.runner.position('log')).toBe(4);
    const letters = listDeadLetters(side.db);
    expect(letters.map((l) => [l.event.streamId, l.reason, l.attempts])).toEqual([
      ['author-b', 'failed', 1],
      ['author-c', 'failed', 1],
    ]);
    expect(letters[0]!.error).toMatch(/NoSuchEvent/);
    expect(letters[1]!.error).not.toBe('');
    // Kept as delivered, so a fixed version can decode it later.
    expect(letters[1]!.event).toEqual({
      ...batch[2].event,
      data: new Uint8Array([0xff, 0xff, 0xff]),
    });
  });

  it('parks an event the projection rejects, undoing its writes, and sequences later events of its stream behind it', () => {
    const side = journalSide();
    side.faults.set('poison', new Error('no such author'));
    side.runner.applyBatch(
      side.next([
        registered('a'),
        registered('b', 'poison'),
        renamed('a', 'A2'),
        renamed('b', 'B2'),
      ]),
    );
    side.runner.applyBatch(side.next([renamed('b', 'B3'), registered('c')]));

    expect(journal(side.db)).toEqual(['author-a@1:a', 'author-a@2:A2', 'author-c@1:c']);
    expect(parked(side.db)).toEqual([
      {
        stream: 'author-b',
        position: 2,
        reason: 'failed',
        attempts: 1,
        error: 'Error: no such author',
      },
      {
        stream: 'author-b',
        position: 4,
        reason: 'sequenced',
        attempts: 0,
        error: expect.stringMatching(/position 2\b/),
      },
      {
        stream: 'author-b',
        position: 5,
        reason: 'sequenced',
        attempts: 0,
        error: expect.stringMatching(/position 2\b/),
      },
    ]);
    expect(side.runner.position('log')).toBe(6);
    expect(side.runner.globalPosition()).toBe(6);
  });

  it('remembers parked streams after the file is reopened', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dead-letters-'));
    dirs.push(dir);
    const path = join(dir, 'read-model.sqlite');
    const first = journalSide({}, openReadModel(path));
    first.faults.set('poison', new Error('no such author'));
    first.runner.applyBatch(first.next([registered('b', 'poison')]));
    first.db.close();

    const second = journalSide({}, openReadModel(path));
    second.runner.applyBatch(eventLog({ after: 1 })([registered('c'), renamed('b', 'B2')]));

    expect(journal(second.db)).toEqual(['author-c@1:c']);
    expect(parked(second.db).map((l) => [l.position, l.reason])).toEqual([
      [1, 'failed'],
      [3, 'sequenced'],
    ]);
  });

  it.each(['SQLITE_BUSY', 'SQLITE_FULL', 'SQLITE_IOERR_WRITE', 'SQLITE_READONLY_DBMOVED'])(
    'rolls back the whole batch and rethrows when the database fails with %s',
    (code) => {
      const side = journalSide();
      side.runner.applyBatch(side.next([registered('a')]));
      side.faults.set('unlucky', new Sqlite.SqliteError('the database failed', code));
      const batch = side.next([
        registered('b', 'poison'),
        registered('c'),
        registered('d', 'unlucky'),
      ]);
      side.faults.set('poison', new Error('no such author'));

      expect(() => side.runner.applyBatch(batch)).toThrowError(expect.objectContaining({ code }));

      expect(journal(side.db)).toEqual(['author-a@1:a']);
      expect(listDeadLetters(side.db)).toEqual([]);
      expect(side.runner.position('log')).toBe(1);
    },
  );

  it('tells errors of the database from errors of the event by their SQLite code', () => {
    expect(
      isTransientError(
        new Sqlite.SqliteError('UNIQUE constraint failed', 'SQLITE_CONSTRAINT_UNIQUE'),
      ),
    ).toBe(false);
    expect(
      isTransientError(new Sqlite.SqliteError('database is locked', 'SQLITE_LOCKED_SHAREDCACHE')),
    ).toBe(true);
    expect(isTransientError(new Error('SQLITE_BUSY'))).toBe(false);
  });

  it('parks nothing twice when a batch holding a parked event is delivered again', () => {
    const side = journalSide();
    side.faults.set('poison', new Error('no such author'));
    const batch = side.next([registered('a'), registered('b', 'poison'), renamed('b', 'B2')]);
    side.runner.applyBatch(batch);
    const before = { letters: listDeadLetters(side.db), journal: journal(side.db) };

    expect(side.runner.applyBatch(batch)).toEqual({ applied: 0, skipped: 3 });

    expect({ letters: listDeadLetters(side.db), journal: journal(side.db) }).toEqual(before);
    expect(before.letters).toHaveLength(2);
  });

  it('tells onParked about the letters only after they are committed', () => {
    const seen: { positions: number[]; inTransaction: boolean; stored: number }[] = [];
    const side = journalSide({
      onParked: (letters) =>
        seen.push({
          positions: letters.map((l) => l.position),
          inTransaction: side.db.inTransaction,
          stored: listDeadLetters(side.db).length,
        }),
    });
    side.faults.set('poison', new Error('no such author'));
    side.faults.set('unlucky', new Sqlite.SqliteError('database is locked', 'SQLITE_BUSY'));
    const rolledBack = side.next([registered('b', 'poison'), registered('x', 'unlucky')]);
    expect(() => side.runner.applyBatch(rolledBack)).toThrowError(/locked/);
    expect(seen).toEqual([]);

    side.faults.delete('unlucky');
    side.runner.applyBatch(rolledBack);
    expect(seen).toEqual([{ positions: [1], inTransaction: false, stored: 1 }]);
  });
});

describe('replaying parked events', () => {
  /** Author b's registration fails, and b's rename waits behind it; a applies around them. */
  function withParkedStream(options: SideOptions = {}) {
    const side = journalSide(options);
    side.faults.set('poison', new Error('no such author'));
    side.runner.applyBatch(
      side.next([
        registered('a'),
        registered('b', 'poison'),
        renamed('b', 'B2'),
        renamed('a', 'A2'),
      ]),
    );
    return side;
  }

  it('applies the parked events in order once the projection is fixed, and then the stream directly', () => {
    const committed: ProjectedEvent[] = [];
    const side = withParkedStream({ onCommitted: (events) => committed.push(...events) });
    side.faults.clear();
    committed.length = 0;

    expect(side.parking.hasReplayRequest()).toBe(false);
    expect(requestReplay(side.db, { projection: 'journal', streamId: 'author-b' })).toEqual({
      events: 2,
      streams: 1,
    });
    expect(side.parking.hasReplayRequest()).toBe(true);
    expect(side.parking.replayRequested(side.runner)).toEqual({ replayed: 2, stillParked: 0 });

    expect(journal(side.db).slice(-2)).toEqual(['author-b@1:poison', 'author-b@2:B2']);
    expect(committed.map((e) => e.globalPosition)).toEqual([2, 3]);
    expect(listDeadLetters(side.db)).toEqual([]);
    expect(side.parking.hasReplayRequest()).toBe(false);

    side.runner.applyBatch(side.next([renamed('b', 'B3')]));
    expect(journal(side.db).at(-1)).toBe('author-b@3:B3');
    expect(listDeadLetters(side.db)).toEqual([]);
  });

  it('keeps the rows and counts the attempt when the replay fails again', () => {
    const side = withParkedStream();
    side.faults.set('poison', new Error('still no such author'));
    requestReplay(side.db, { projection: 'journal' });

    expect(side.parking.replayRequested(side.runner)).toEqual({ replayed: 0, stillParked: 2 });

    expect(parked(side.db)).toEqual([
      {
        stream: 'author-b',
        position: 2,
        reason: 'failed',
        attempts: 2,
        error: 'Error: still no such author',
      },
      {
        stream: 'author-b',
        position: 3,
        reason: 'sequenced',
        attempts: 0,
        error: expect.stringMatching(/position 2\b/),
      },
    ]);
    expect(listDeadLetters(side.db).every((l) => !l.replayRequested)).toBe(true);
    expect(journal(side.db)).toEqual(['author-a@1:a', 'author-a@2:A2']);
    // Still parked: a live event of the stream keeps waiting.
    side.runner.applyBatch(side.next([renamed('b', 'B3')]));
    expect(parked(side.db).map((l) => l.position)).toEqual([2, 3, 5]);
  });

  it('moves the block to the first event that fails when a replay gets part of the way', () => {
    const side = withParkedStream();
    side.faults.delete('poison');
    side.faults.set('B2', new Error('rename of an unknown author'));
    requestReplay(side.db, { projection: 'journal' });
    side.runner.applyBatch(side.next([renamed('b', 'B3')]));

    expect(side.parking.replayRequested(side.runner)).toEqual({ replayed: 1, stillParked: 2 });

    expect(journal(side.db).at(-1)).toBe('author-b@1:poison');
    expect(parked(side.db)).toEqual([
      {
        stream: 'author-b',
        position: 3,
        reason: 'failed',
        attempts: 1,
        error: 'Error: rename of an unknown author',
      },
      {
        stream: 'author-b',
        position: 5,
        reason: 'sequenced',
        attempts: 0,
        error: expect.stringMatching(/position 3\b/),
      },
    ]);
    side.runner.applyBatch(side.next([renamed('b', 'B4')]));
    expect(parked(side.db).at(-1)).toMatchObject({
      position: 6,
      error: expect.stringMatching(/position 3\b/),
    });
  });

  it('rolls the replay back, keeping the request, when the database fails under it', () => {
    const side = withParkedStream();
    side.faults.set('poison', new Sqlite.SqliteError('disk I/O error', 'SQLITE_IOERR'));
    requestReplay(side.db, { projection: 'journal' });

    expect(() => side.parking.replayRequested(side.runner)).toThrowError(/disk I\/O/);

    expect(parked(side.db).map((l) => l.attempts)).toEqual([1, 0]);
    expect(side.parking.hasReplayRequest()).toBe(true);
  });

  it('is replayed by the running service once the command marks it', async () => {
    const side = withParkedStream();
    side.faults.clear();
    const logged: string[] = [];
    const log = (msg: string) => logged.push(msg);
    const logger = {
      info: (_: object, m: string) => log(m),
      warn: (_: object, m: string) => log(m),
      error: (_: object, m: string) => log(m),
    };
    const stop = pollReplayRequests(side.parking, side.runner, logger, 10);
    try {
      requestReplay(side.db, { projection: 'journal' });
      const deadline = Date.now() + 2_000;
      while (listDeadLetters(side.db).length > 0 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 10));
    } finally {
      stop();
    }
    expect(listDeadLetters(side.db)).toEqual([]);
    expect(journal(side.db).slice(-2)).toEqual(['author-b@1:poison', 'author-b@2:B2']);
    expect(logged).toContain('replayed parked events');
  });
});

describe('listDeadLetters and requestReplay', () => {
  it('filter by projection and stream, and find nothing in a file without dead letters', () => {
    const side = journalSide();
    side.faults.set('poison', new Error('no such author'));
    side.runner.applyBatch(side.next([registered('b', 'poison'), registered('c', 'poison')]));

    const streams = (letters: DeadLetter[]) => letters.map((l) => l.event.streamId);
    expect(streams(listDeadLetters(side.db, { projection: 'journal' }))).toEqual([
      'author-b',
      'author-c',
    ]);
    expect(streams(listDeadLetters(side.db, { streamId: 'author-c' }))).toEqual(['author-c']);
    expect(listDeadLetters(side.db, { projection: 'other' })).toEqual([]);
    expect(requestReplay(side.db, { projection: 'other' })).toEqual({ events: 0, streams: 0 });
    expect(requestReplay(side.db, { projection: 'journal' })).toEqual({ events: 2, streams: 2 });

    const empty = openReadModel(':memory:');
    expect(listDeadLetters(empty)).toEqual([]);
    expect(requestReplay(empty, { projection: 'journal' })).toEqual({ events: 0, streams: 0 });
  });
});
