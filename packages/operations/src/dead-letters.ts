import type { Delivery, StoredEvent } from '@fairflax/event-store';
import {
  RetryBatch,
  type ApplyMiddleware,
  type Database,
  type ProjectedEvent,
  type ProjectionRunner,
} from '@fairflax/projections';
import {
  DeadLetters,
  errorText,
  isTransientError,
  sequencedBehind,
  type DeadLetter,
  type DeadLetterReason,
} from './dead-letter-store.js';

export interface DeadLetterParkingOptions {
  /** After the batch that parked them commits. */
  onParked?: (letters: readonly DeadLetter[]) => void;
}

/**
 * Parks an event its projection rejects, undoing only that event's writes, and every later
 * event of its stream behind it; other streams apply on. Database errors are not the event's
 * fault: they still roll the batch back. The position moves past a parked event, so
 * read-your-writes counts it as reached. A batch is first applied without a savepoint per event
 * (which doubles the cost of applying it); a rejected event has it rolled back and applied
 * again, each event in a savepoint of its own.
 */
export class DeadLetterParking implements ApplyMiddleware {
  private store!: DeadLetters;
  /** Per parked stream, the position its later events wait behind. */
  private parkedStreams = new Map<string, number>();
  private pending = { parked: [] as DeadLetter[], blockers: new Map<string, number>() };
  private savepoint!: <T>(work: () => T) => T;
  /** Each event in its own savepoint: the batch is applied again after a rejected event. */
  private careful = false;

  constructor(
    private readonly projection: string,
    private readonly options: DeadLetterParkingOptions = {},
  ) {}

  migrate(db: Database): void {
    DeadLetters.migrate(db);
    this.store = new DeadLetters(db, this.projection);
    this.parkedStreams = this.store.blockers();
    // Nested in the batch's transaction, a transaction is a savepoint.
    const inSavepoint = db.transaction((work: () => unknown) => work());
    this.savepoint = <T>(work: () => T) => inSavepoint(work) as T;
  }

  wrap(d: Delivery, apply: () => ProjectedEvent | undefined): ProjectedEvent | undefined {
    const { streamId } = d.event;
    const blocker = this.pending.blockers.get(streamId) ?? this.parkedStreams.get(streamId);
    if (blocker !== undefined) {
      this.park(d, 'sequenced', sequencedBehind(blocker));
      return undefined;
    }
    if (!this.careful) {
      try {
        return apply();
      } catch (err) {
        if (isTransientError(err)) throw err;
        this.careful = true;
        throw new RetryBatch(`applying ${d.event.type} at ${d.position} failed: ${errorText(err)}`);
      }
    }
    const result = this.tryApply(apply);
    if ('projected' in result) return result.projected;
    this.park(d, 'failed', result.error);
    this.pending.blockers.set(streamId, d.event.globalPosition);
    return undefined;
  }

  settle(committed: boolean): void {
    const { parked, blockers } = this.pending;
    this.pending = { parked: [], blockers: new Map() };
    if (!committed) return;
    this.careful = false;
    for (const [streamId, blocker] of blockers) this.parkedStreams.set(streamId, blocker);
    if (parked.length > 0) this.options.onParked?.(parked);
  }

  hasReplayRequest(): boolean {
    return this.store.anyReplayRequested();
  }

  /**
   * Applies the parked events of each stream marked for replay, in order, through the runner;
   * the first that fails again stops its stream there. All or nothing: a database error rolls
   * it back with the requests kept.
   */
  replayRequested(runner: ProjectionRunner): { replayed: number; stillParked: number } {
    const blockers = new Map<string, number | undefined>();
    const outcome = runner.applyOutsideDeliveries((apply) => {
      let replayed = 0;
      let stillParked = 0;
      for (const streamId of this.store.streamsToReplay()) {
        const letters = this.store.ofStream(streamId);
        let blocker: number | undefined;
        for (const [i, letter] of letters.entries()) {
          const result = this.tryApply(() => apply(letter.event));
          if ('projected' in result) {
            replayed++;
            this.store.remove(letter);
            continue;
          }
          this.store.failedAgain(letter, result.error);
          blocker = letter.event.globalPosition;
          stillParked += letters.length - i;
          break;
        }
        this.store.clearReplayRequest(streamId);
        blockers.set(streamId, blocker);
      }
      return { replayed, stillParked };
    });
    for (const [streamId, blocker] of blockers) {
      if (blocker === undefined) this.parkedStreams.delete(streamId);
      else this.parkedStreams.set(streamId, blocker);
    }
    return outcome;
  }

  /** A transient error is rethrown, to roll the whole batch back. */
  private tryApply(
    apply: () => ProjectedEvent | undefined,
  ): { projected: ProjectedEvent | undefined } | { error: string } {
    try {
      return { projected: this.savepoint(apply) };
    } catch (err) {
      if (isTransientError(err)) throw err;
      return { error: errorText(err) };
    }
  }

  private park(d: Delivery, reason: DeadLetterReason, error: string): void {
    const letter = this.store.park({
      projection: this.projection,
      source: d.source,
      position: d.position,
      offset: d.offset,
      event: d.event satisfies StoredEvent,
      error,
      reason,
      parkedAt: new Date().toISOString(),
      attempts: reason === 'failed' ? 1 : 0,
    });
    this.pending.parked.push(letter);
  }
}

interface LoggerLike {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/**
 * Replays what the `dead-letters replay` command marked, from another process, between
 * batches (better-sqlite3 is synchronous, so never inside one). Returns the stop function.
 */
export function pollReplayRequests(
  parking: DeadLetterParking,
  runner: ProjectionRunner,
  logger: LoggerLike,
  pollMs = 1_000,
): () => void {
  const projection = runner.projection.name;
  const timer = setInterval(() => {
    try {
      if (!parking.hasReplayRequest()) return;
      const { replayed, stillParked } = parking.replayRequested(runner);
      if (stillParked > 0) {
        logger.warn(
          { projection, replayed, stillParked },
          'replayed parked events; some failed again and stay parked',
        );
      } else {
        logger.info({ projection, replayed }, 'replayed parked events');
      }
    } catch (err) {
      // Rolled back with the requests still set: the next poll tries again.
      logger.error({ err, projection }, 'replaying parked events failed; retrying');
    }
  }, pollMs);
  timer.unref();
  return () => clearInterval(timer);
}
