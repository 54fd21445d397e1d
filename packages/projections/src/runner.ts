import type { StoredEvent } from '@fairflax/event-store';
import { decodeEvent } from '@fairflax/events';
import { Checkpoints, type Checkpoint } from './checkpoints.js';
import type { Database, Delivery, EventSource, ProjectedEvent, Projection } from './types.js';

export interface BatchResult {
  applied: number;
  /** Redeliveries, at or below the stored position. */
  skipped: number;
}

/**
 * Wraps the application of each new delivery, inside the batch's transaction, as router
 * middleware wraps a handler. `apply` projects the event; a middleware may set the event aside
 * instead (undefined: the position still moves past it) or throw to roll the batch back.
 */
export interface ApplyMiddleware {
  /** In the runner's migration transaction, before the projection's. */
  migrate?(db: Database): void;
  wrap(delivery: Delivery, apply: () => ProjectedEvent | undefined): ProjectedEvent | undefined;
  /** After the batch's transaction: whether it committed. */
  settle?(committed: boolean): void;
}

/**
 * Thrown by a middleware's `wrap` to have the batch rolled back and applied once more (every
 * middleware is settled with `false` in between), e.g. to apply it again more carefully.
 */
export class RetryBatch extends Error {
  override name = 'RetryBatch';
}

/** Told after every commit, with what it applied (possibly nothing). */
export type CommitListener = (applied: readonly ProjectedEvent[]) => void;

export interface RunnerOptions {
  middleware?: readonly ApplyMiddleware[];
}

interface BatchOutcome {
  applied: ProjectedEvent[];
  skipped: number;
  moved: Map<string, Checkpoint>;
}

/**
 * Exactly once per delivery position: the position is stored in the transaction that applies
 * the event. Any error rolls the whole batch back, position included.
 */
export class ProjectionRunner {
  private readonly checkpoints: Checkpoints;
  private readonly middleware: readonly ApplyMiddleware[];
  private listeners: CommitListener[] = [];
  private readonly applyInTransaction: (deliveries: readonly Delivery[]) => BatchOutcome;

  constructor(
    readonly db: Database,
    readonly projection: Projection,
    options: RunnerOptions = {},
  ) {
    this.middleware = options.middleware ?? [];
    db.transaction(() => {
      Checkpoints.migrate(db);
      for (const m of this.middleware) m.migrate?.(db);
      projection.migrate(db);
    })();
    this.checkpoints = new Checkpoints(db, projection.name);
    this.applyInTransaction = db.transaction((deliveries: readonly Delivery[]) =>
      this.applyDeliveries(deliveries),
    );
  }

  /** Applied (or set aside by a middleware). */
  position(source: string): number {
    return this.checkpoints.read(source).position;
  }

  offset(source: string): number | undefined {
    return this.checkpoints.read(source).offset;
  }

  /** The position reached in each source that has delivered anything. */
  positions(): ReadonlyMap<string, number> {
    return this.checkpoints.positions();
  }

  /** The highest event store position reached in any source. */
  globalPosition(): number {
    return this.checkpoints.highestGlobal();
  }

  /** Returns the unsubscribe function. */
  onCommitted(listener: CommitListener): () => void {
    this.listeners.push(listener);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  applyBatch(deliveries: readonly Delivery[]): BatchResult {
    let outcome: BatchOutcome | undefined;
    for (let attempt = 1; outcome === undefined; attempt++) {
      try {
        outcome = this.applyInTransaction(deliveries);
      } catch (err) {
        for (const m of this.middleware) m.settle?.(false);
        if (!(err instanceof RetryBatch) || attempt > 1) throw err;
      }
    }
    // Only after the commit: a rolled-back batch must not move the in-memory state.
    this.checkpoints.remember(outcome.moved);
    for (const m of this.middleware) m.settle?.(true);
    this.notify(outcome.applied);
    return { applied: outcome.applied.length, skipped: outcome.skipped };
  }

  /**
   * Applies events outside any delivery (a replay of events set aside earlier) in one
   * transaction; listeners hear of what `work` applied once it commits.
   */
  applyOutsideDeliveries<T>(work: (apply: (event: StoredEvent) => ProjectedEvent) => T): T {
    const applied: ProjectedEvent[] = [];
    const result = this.db.transaction(() =>
      work((event) => {
        const projected = this.applyEvent(event);
        applied.push(projected);
        return projected;
      }),
    )();
    if (applied.length > 0) this.notify(applied);
    return result;
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
    const outcome: BatchOutcome = { applied: [], skipped: 0, moved: new Map() };
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
      const projected = this.applyDelivery(d);
      if (projected) outcome.applied.push(projected);
    }
    this.checkpoints.write(outcome.moved);
    return outcome;
  }

  private applyDelivery(d: Delivery): ProjectedEvent | undefined {
    let apply: () => ProjectedEvent | undefined = () => this.applyEvent(d.event);
    for (let i = this.middleware.length - 1; i >= 0; i--) {
      const next = apply;
      const m = this.middleware[i]!;
      apply = () => m.wrap(d, next);
    }
    return apply();
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

  private notify(applied: readonly ProjectedEvent[]): void {
    for (const listener of this.listeners) listener(applied);
  }
}
