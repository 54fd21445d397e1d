import type { StoredEvent } from '@fairflax/event-store';
import { decodeEvent } from '@fairflax/events';
import {
  DeadLetters,
  errorText,
  isTransientError,
  sequencedBehind,
  type DeadLetter,
  type DeadLetterReason,
} from './dead-letters.js';
import type { Database, Delivery, EventSource, ProjectedEvent, Projection } from './types.js';

const CHECKPOINTS_DDL = `
  CREATE TABLE IF NOT EXISTS projection_checkpoints (
    projection TEXT NOT NULL,
    source TEXT NOT NULL,
    position INTEGER NOT NULL,
    global_position INTEGER NOT NULL,
    transport_offset INTEGER,
    PRIMARY KEY (projection, source)
  ) STRICT`;

function migrateCheckpoints(db: Database): void {
  db.exec(CHECKPOINTS_DDL);
  // Files written before transport offsets were stored lack the column.
  const columns = db.pragma('table_info(projection_checkpoints)') as { name: string }[];
  if (!columns.some((c) => c.name === 'transport_offset')) {
    db.exec('ALTER TABLE projection_checkpoints ADD COLUMN transport_offset INTEGER');
  }
}

export interface BatchResult {
  applied: number;
  /** Deliveries at or below the stored position: redeliveries, ignored. */
  skipped: number;
  // Parked events count in neither: `onParked` reports them.
}

export interface RunnerOptions {
  /**
   * Called after each batch commits, with the events it applied: for state that lives outside
   * SQLite (a search index, a cache) and so must only change once the transaction is durable.
   * Replayed dead letters are reported here too, once their replay commits.
   */
  onCommitted?: (applied: readonly ProjectedEvent[]) => void;
  /** Called after a batch commits, with the events it parked as dead letters. */
  onParked?: (letters: readonly DeadLetter[]) => void;
}

interface Checkpoint {
  position: number;
  global: number;
  offset: number | undefined;
}

const NO_CHECKPOINT: Checkpoint = { position: 0, global: 0, offset: undefined };

interface BatchOutcome {
  applied: ProjectedEvent[];
  skipped: number;
  parked: DeadLetter[];
  moved: Map<string, Checkpoint>;
  /** Streams this batch started parking, with the position of the event that failed. */
  newlyParked: Map<string, number>;
}

interface ReplayOutcome {
  applied: ProjectedEvent[];
  /** Per replayed stream, the position its remaining letters wait behind; undefined: none left. */
  blockers: Map<string, number | undefined>;
  stillParked: number;
}

interface Waiter {
  position: number;
  resolve: (reached: boolean) => void;
  timer: NodeJS.Timeout;
}

/**
 * Applies events to one read model, exactly once per delivery position: each batch runs in
 * one SQLite transaction that also advances the checkpoint, so a crash leaves either both the
 * read-model change and the new position, or neither, and a redelivered event is skipped.
 *
 * An event that cannot be decoded or applied (a poison event) does not stop the read model:
 * its savepoint is rolled back, it is parked as a dead letter in the same file and the
 * checkpoint moves past it. Later events of its stream are parked behind it, never applied out
 * of order; other streams keep flowing. Errors of the database itself (locked, disk full, ...)
 * are not the event's fault: they roll back the whole batch and propagate, as before.
 * Read-your-writes counts a parked event as reached, so a writer waiting on it is not stuck.
 */
export class ProjectionRunner {
  private readonly checkpoints = new Map<string, Checkpoint>();
  /** Parked streams, each with the position its later events wait behind. */
  private readonly parkedStreams: Map<string, number>;
  private readonly deadLetters: DeadLetters;
  private highestGlobal = 0;
  private waiters: Waiter[] = [];
  private readonly applyTx: (deliveries: readonly Delivery[]) => BatchOutcome;
  private readonly replayTx: () => ReplayOutcome;
  /** Decodes and applies one event in a savepoint, so a failure undoes only that event. */
  private readonly applyOne: (event: StoredEvent) => ProjectedEvent;

  constructor(
    readonly db: Database,
    readonly projection: Projection,
    private readonly options: RunnerOptions = {},
  ) {
    db.transaction(() => {
      migrateCheckpoints(db);
      DeadLetters.migrate(db);
      projection.migrate(db);
    })();
    const rows = db
      .prepare(
        'SELECT source, position, global_position, transport_offset FROM projection_checkpoints WHERE projection = ?',
      )
      .all(projection.name) as {
      source: string;
      position: number;
      global_position: number;
      transport_offset: number | null;
    }[];
    for (const row of rows) {
      this.checkpoints.set(row.source, {
        position: row.position,
        global: row.global_position,
        offset: row.transport_offset ?? undefined,
      });
      this.highestGlobal = Math.max(this.highestGlobal, row.global_position);
    }
    this.deadLetters = new DeadLetters(db, projection.name);
    this.parkedStreams = this.deadLetters.blockers();
    const save = db.prepare(
      `INSERT INTO projection_checkpoints (projection, source, position, global_position, transport_offset)
       VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (projection, source) DO UPDATE SET position = excluded.position,
         global_position = excluded.global_position, transport_offset = excluded.transport_offset`,
    );
    this.applyOne = db.transaction((stored: StoredEvent): ProjectedEvent => {
      const projected: ProjectedEvent = {
        event: decodeEvent(stored.type, stored.schemaVersion, stored.data),
        streamId: stored.streamId,
        streamVersion: stored.streamVersion,
        globalPosition: stored.globalPosition,
        recordedAt: stored.recordedAt,
      };
      projection.apply(db, projected);
      return projected;
    });
    this.applyTx = db.transaction((deliveries: readonly Delivery[]) => {
      const outcome: BatchOutcome = {
        applied: [],
        skipped: 0,
        parked: [],
        moved: new Map(),
        newlyParked: new Map(),
      };
      const parkedAt = new Date().toISOString();
      for (const d of deliveries) {
        const checkpoint = outcome.moved.get(d.source) ?? { ...this.checkpoint(d.source) };
        outcome.moved.set(d.source, checkpoint);
        // Even a redelivery moves the offset: it is where the transport is, the next seek's base.
        if (d.offset !== undefined) checkpoint.offset = d.offset;
        if (d.position <= checkpoint.position) {
          outcome.skipped++;
          continue;
        }
        checkpoint.position = d.position;
        checkpoint.global = d.event.globalPosition;
        const { streamId } = d.event;
        const blocker = outcome.newlyParked.get(streamId) ?? this.parkedStreams.get(streamId);
        if (blocker !== undefined) {
          outcome.parked.push(this.park(d, parkedAt, 'sequenced', sequencedBehind(blocker)));
          continue;
        }
        const result = this.tryApply(d.event);
        if ('projected' in result) {
          outcome.applied.push(result.projected);
        } else {
          outcome.parked.push(this.park(d, parkedAt, 'failed', result.error));
          outcome.newlyParked.set(streamId, d.event.globalPosition);
        }
      }
      for (const [source, next] of outcome.moved) {
        const stored = this.checkpoint(source);
        if (next.position === stored.position && next.offset === stored.offset) continue;
        save.run(projection.name, source, next.position, next.global, next.offset ?? null);
      }
      return outcome;
    });
    this.replayTx = db.transaction((): ReplayOutcome => {
      const outcome: ReplayOutcome = { applied: [], blockers: new Map(), stillParked: 0 };
      for (const streamId of this.deadLetters.streamsToReplay()) {
        const letters = this.deadLetters.ofStream(streamId);
        let blocker: number | undefined;
        for (const [i, letter] of letters.entries()) {
          const result = this.tryApply(letter.event);
          if ('projected' in result) {
            outcome.applied.push(result.projected);
            this.deadLetters.remove(letter);
            continue;
          }
          // Stop at the first failure: what follows in the stream must still wait behind it.
          this.deadLetters.failedAgain(letter, result.error);
          blocker = letter.event.globalPosition;
          outcome.stillParked += letters.length - i;
          break;
        }
        this.deadLetters.clearReplayRequest(streamId);
        outcome.blockers.set(streamId, blocker);
      }
      return outcome;
    });
  }

  /** The last position applied (or parked) from `source`; 0 when nothing was. */
  position(source: string): number {
    return this.checkpoint(source).position;
  }

  /** The transport offset stored with the last delivery from `source` that carried one. */
  offset(source: string): number | undefined {
    return this.checkpoint(source).offset;
  }

  /** The highest global (event store) position applied: what read-your-writes compares with. */
  globalPosition(): number {
    return this.highestGlobal;
  }

  applyBatch(deliveries: readonly Delivery[]): BatchResult {
    const outcome = this.applyTx(deliveries);
    // Only after the commit: a rolled-back batch must not move the in-memory state.
    for (const [source, checkpoint] of outcome.moved) {
      this.checkpoints.set(source, checkpoint);
      this.highestGlobal = Math.max(this.highestGlobal, checkpoint.global);
    }
    for (const [streamId, blocker] of outcome.newlyParked)
      this.parkedStreams.set(streamId, blocker);
    if (outcome.applied.length > 0) this.options.onCommitted?.(outcome.applied);
    if (outcome.parked.length > 0) this.options.onParked?.(outcome.parked);
    this.wakeWaiters();
    return { applied: outcome.applied.length, skipped: outcome.skipped };
  }

  /** True when someone asked (with `requestReplay`) for parked events to be replayed. */
  hasReplayRequest(): boolean {
    return this.deadLetters.anyReplayRequested();
  }

  /**
   * Replays the parked events of every stream with a replay request, in one transaction: each
   * stream's events in order, deleted once applied. A stream stops at its first event that
   * fails again (its attempts counted, its new error stored, the request cleared); a stream
   * with nothing left parked is applied directly from then on.
   */
  replayRequested(): { replayed: number; stillParked: number } {
    const outcome = this.replayTx();
    for (const [streamId, blocker] of outcome.blockers) {
      if (blocker === undefined) this.parkedStreams.delete(streamId);
      else this.parkedStreams.set(streamId, blocker);
    }
    if (outcome.applied.length > 0) this.options.onCommitted?.(outcome.applied);
    return { replayed: outcome.applied.length, stillParked: outcome.stillParked };
  }

  /** Resolves true once the read model has applied `globalPosition`, false after `timeoutMs`. */
  waitForPosition(globalPosition: number, timeoutMs: number): Promise<boolean> {
    if (this.highestGlobal >= globalPosition) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter: Waiter = {
        position: globalPosition,
        resolve,
        timer: setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          resolve(false);
        }, timeoutMs),
      };
      this.waiters.push(waiter);
    });
  }

  /**
   * Feeds batches from `source` until `signal` aborts. A batch that fails to apply is rolled
   * back and the error propagates: the source is expected to redeliver after a restart.
   */
  async run(source: EventSource, signal: AbortSignal): Promise<void> {
    for await (const batch of source.batches(
      (s) => this.position(s),
      signal,
      (s) => this.offset(s),
    )) {
      this.applyBatch(batch);
      if (signal.aborted) break;
    }
  }

  private checkpoint(source: string): Checkpoint {
    return this.checkpoints.get(source) ?? NO_CHECKPOINT;
  }

  /** Runs in the batch transaction; a transient error is rethrown to roll the batch back. */
  private tryApply(event: StoredEvent): { projected: ProjectedEvent } | { error: string } {
    try {
      return { projected: this.applyOne(event) };
    } catch (err) {
      if (isTransientError(err)) throw err;
      return { error: errorText(err) };
    }
  }

  private park(d: Delivery, parkedAt: string, reason: DeadLetterReason, error: string): DeadLetter {
    return this.deadLetters.park({
      projection: this.projection.name,
      source: d.source,
      position: d.position,
      offset: d.offset,
      event: d.event,
      error,
      reason,
      parkedAt,
      attempts: reason === 'failed' ? 1 : 0,
    });
  }

  private wakeWaiters(): void {
    const ready = this.waiters.filter((w) => w.position <= this.highestGlobal);
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((w) => w.position > this.highestGlobal);
    for (const w of ready) {
      clearTimeout(w.timer);
      w.resolve(true);
    }
  }
}
