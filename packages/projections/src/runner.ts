import type { StoredEvent } from '@fairflax/event-store';
import { decodeEvent } from '@fairflax/events';
import { Checkpoints, type Checkpoint } from './checkpoints.js';
import {
  DeadLetters,
  errorText,
  isTransientError,
  sequencedBehind,
  type DeadLetter,
  type DeadLetterReason,
} from './dead-letters.js';
import type { Database, Delivery, EventSource, ProjectedEvent, Projection } from './types.js';

export interface BatchResult {
  applied: number;
  /** Redeliveries, at or below the stored position. Parked events count in neither. */
  skipped: number;
}

export interface RunnerOptions {
  /** After each commit (replays too): for state outside SQLite, such as a search index. */
  onCommitted?: (applied: readonly ProjectedEvent[]) => void;
  onParked?: (letters: readonly DeadLetter[]) => void;
}

interface BatchOutcome {
  applied: ProjectedEvent[];
  skipped: number;
  parked: DeadLetter[];
  moved: Map<string, Checkpoint>;
  newlyParked: Map<string, number>;
}

interface ReplayOutcome {
  applied: ProjectedEvent[];
  /** Undefined: nothing of the stream is parked any more. */
  blockers: Map<string, number | undefined>;
  stillParked: number;
}

interface Waiter {
  position: number;
  resolve: (reached: boolean) => void;
  timer: NodeJS.Timeout;
}

/**
 * Exactly once per delivery position. A failing event is parked, and its stream's later events
 * behind it; database errors roll the batch back. Read-your-writes counts parked events as reached.
 */
export class ProjectionRunner {
  private readonly checkpoints: Checkpoints;
  private readonly deadLetters: DeadLetters;
  /** Per parked stream, the position its later events wait behind. */
  private readonly parkedStreams: Map<string, number>;
  private waiters: Waiter[] = [];
  private readonly inTransaction: {
    applyDeliveries: (deliveries: readonly Delivery[]) => BatchOutcome;
    replayParked: () => ReplayOutcome;
    /** A savepoint in the batch's transaction: a failure undoes only this event. */
    applyEvent: (event: StoredEvent) => ProjectedEvent;
  };

  constructor(
    readonly db: Database,
    readonly projection: Projection,
    private readonly options: RunnerOptions = {},
  ) {
    db.transaction(() => {
      Checkpoints.migrate(db);
      DeadLetters.migrate(db);
      projection.migrate(db);
    })();
    this.checkpoints = new Checkpoints(db, projection.name);
    this.deadLetters = new DeadLetters(db, projection.name);
    this.parkedStreams = this.deadLetters.blockers();
    this.inTransaction = {
      applyDeliveries: db.transaction((deliveries: readonly Delivery[]) =>
        this.applyDeliveries(deliveries),
      ),
      replayParked: db.transaction(() => this.replayParked()),
      applyEvent: db.transaction((event: StoredEvent) => this.applyEvent(event)),
    };
  }

  /** Applied or parked. */
  position(source: string): number {
    return this.checkpoints.read(source).position;
  }

  offset(source: string): number | undefined {
    return this.checkpoints.read(source).offset;
  }

  /** What read-your-writes compares with. */
  globalPosition(): number {
    return this.checkpoints.highestGlobal();
  }

  applyBatch(deliveries: readonly Delivery[]): BatchResult {
    const outcome = this.inTransaction.applyDeliveries(deliveries);
    // Only after the commit: a rolled-back batch must not move the in-memory state.
    this.checkpoints.remember(outcome.moved);
    for (const [streamId, blocker] of outcome.newlyParked)
      this.parkedStreams.set(streamId, blocker);
    if (outcome.applied.length > 0) this.options.onCommitted?.(outcome.applied);
    if (outcome.parked.length > 0) this.options.onParked?.(outcome.parked);
    this.wakeWaiters();
    return { applied: outcome.applied.length, skipped: outcome.skipped };
  }

  hasReplayRequest(): boolean {
    return this.deadLetters.anyReplayRequested();
  }

  replayRequested(): { replayed: number; stillParked: number } {
    const outcome = this.inTransaction.replayParked();
    for (const [streamId, blocker] of outcome.blockers) {
      if (blocker === undefined) this.parkedStreams.delete(streamId);
      else this.parkedStreams.set(streamId, blocker);
    }
    if (outcome.applied.length > 0) this.options.onCommitted?.(outcome.applied);
    return { replayed: outcome.applied.length, stillParked: outcome.stillParked };
  }

  waitForPosition(globalPosition: number, timeoutMs: number): Promise<boolean> {
    if (this.globalPosition() >= globalPosition) return Promise.resolve(true);
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

  /** A failed batch is rolled back and the error propagates: the source redelivers on restart. */
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

  private applyDeliveries(deliveries: readonly Delivery[]): BatchOutcome {
    const outcome: BatchOutcome = {
      applied: [],
      skipped: 0,
      parked: [],
      moved: new Map(),
      newlyParked: new Map(),
    };
    const parkedAt = new Date().toISOString();
    for (const d of deliveries) {
      const checkpoint = outcome.moved.get(d.source) ?? { ...this.checkpoints.read(d.source) };
      outcome.moved.set(d.source, checkpoint);
      // Even a redelivery moves the offset: it is where the transport is, the next seek's base.
      if (d.offset !== undefined) checkpoint.offset = d.offset;
      if (d.position <= checkpoint.position) {
        outcome.skipped++;
        continue;
      }
      checkpoint.position = d.position;
      checkpoint.global = d.event.globalPosition;
      this.applyOrPark(d, parkedAt, outcome);
    }
    this.checkpoints.write(outcome.moved);
    return outcome;
  }

  private applyOrPark(d: Delivery, parkedAt: string, outcome: BatchOutcome): void {
    const { streamId } = d.event;
    const blocker = outcome.newlyParked.get(streamId) ?? this.parkedStreams.get(streamId);
    if (blocker !== undefined) {
      outcome.parked.push(this.park(d, parkedAt, 'sequenced', sequencedBehind(blocker)));
      return;
    }
    const result = this.tryApply(d.event);
    if ('projected' in result) {
      outcome.applied.push(result.projected);
    } else {
      outcome.parked.push(this.park(d, parkedAt, 'failed', result.error));
      outcome.newlyParked.set(streamId, d.event.globalPosition);
    }
  }

  private replayParked(): ReplayOutcome {
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
  }

  /** A transient error is rethrown, to roll the whole batch back. */
  private tryApply(event: StoredEvent): { projected: ProjectedEvent } | { error: string } {
    try {
      return { projected: this.inTransaction.applyEvent(event) };
    } catch (err) {
      if (isTransientError(err)) throw err;
      return { error: errorText(err) };
    }
  }

  private applyEvent(stored: StoredEvent): ProjectedEvent {
    const projected: ProjectedEvent = {
      event: decodeEvent(stored.type, stored.schemaVersion, stored.data),
      streamId: stored.streamId,
      streamVersion: stored.streamVersion,
      globalPosition: stored.globalPosition,
      recordedAt: stored.recordedAt,
    };
    this.projection.apply(this.db, projected);
    return projected;
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
    const highest = this.globalPosition();
    const ready = this.waiters.filter((w) => w.position <= highest);
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((w) => w.position > highest);
    for (const w of ready) {
      clearTimeout(w.timer);
      w.resolve(true);
    }
  }
}
