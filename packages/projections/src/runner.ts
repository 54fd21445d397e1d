import { decodeEvent } from '@fairflax/events';
import type { Database, Delivery, EventSource, ProjectedEvent, Projection } from './types.js';

const CHECKPOINTS_DDL = `
  CREATE TABLE IF NOT EXISTS projection_checkpoints (
    projection TEXT NOT NULL,
    source TEXT NOT NULL,
    position INTEGER NOT NULL,
    global_position INTEGER NOT NULL,
    PRIMARY KEY (projection, source)
  ) STRICT`;

export interface BatchResult {
  applied: number;
  /** Deliveries at or below the stored position: redeliveries, ignored. */
  skipped: number;
}

export interface RunnerOptions {
  /**
   * Called after each batch commits, with the events it applied: for state that lives outside
   * SQLite (a search index, a cache) and so must only change once the transaction is durable.
   */
  onCommitted?: (applied: readonly ProjectedEvent[]) => void;
}

type Advanced = Map<string, { position: number; global: number }>;

interface Waiter {
  position: number;
  resolve: (reached: boolean) => void;
  timer: NodeJS.Timeout;
}

/**
 * Applies events to one read model, exactly once per delivery position: each batch runs in
 * one SQLite transaction that also advances the checkpoint, so a crash leaves either both the
 * read-model change and the new position, or neither, and a redelivered event is skipped.
 */
export class ProjectionRunner {
  private readonly positions = new Map<string, number>();
  private highestGlobal = 0;
  private waiters: Waiter[] = [];
  private readonly applyTx: (deliveries: readonly Delivery[]) => {
    applied: ProjectedEvent[];
    skipped: number;
    advanced: Advanced;
  };

  constructor(
    readonly db: Database,
    readonly projection: Projection,
    private readonly options: RunnerOptions = {},
  ) {
    db.transaction(() => {
      db.exec(CHECKPOINTS_DDL);
      projection.migrate(db);
    })();
    const rows = db
      .prepare('SELECT source, position, global_position FROM projection_checkpoints WHERE projection = ?')
      .all(projection.name) as { source: string; position: number; global_position: number }[];
    for (const row of rows) {
      this.positions.set(row.source, row.position);
      this.highestGlobal = Math.max(this.highestGlobal, row.global_position);
    }
    const save = db.prepare(
      `INSERT INTO projection_checkpoints (projection, source, position, global_position)
       VALUES (?, ?, ?, ?)
       ON CONFLICT (projection, source) DO UPDATE SET position = excluded.position,
         global_position = excluded.global_position`,
    );
    this.applyTx = db.transaction((deliveries: readonly Delivery[]) => {
      const advanced: Advanced = new Map();
      const applied: ProjectedEvent[] = [];
      for (const d of deliveries) {
        const current = advanced.get(d.source)?.position ?? this.position(d.source);
        if (d.position <= current) continue;
        const { event } = d;
        const projected: ProjectedEvent = {
          event: decodeEvent(event.type, event.schemaVersion, event.data),
          streamId: event.streamId,
          streamVersion: event.streamVersion,
          globalPosition: event.globalPosition,
          recordedAt: event.recordedAt,
        };
        projection.apply(db, projected);
        advanced.set(d.source, { position: d.position, global: event.globalPosition });
        applied.push(projected);
      }
      for (const [source, { position, global }] of advanced) {
        save.run(projection.name, source, position, global);
      }
      return { applied, skipped: deliveries.length - applied.length, advanced };
    });
  }

  /** The last position applied from `source`; 0 when nothing was. */
  position(source: string): number {
    return this.positions.get(source) ?? 0;
  }

  /** The highest global (event store) position applied: what read-your-writes compares with. */
  globalPosition(): number {
    return this.highestGlobal;
  }

  applyBatch(deliveries: readonly Delivery[]): BatchResult {
    const result = this.applyTx(deliveries);
    // Only after the commit: a rolled-back batch must not move the in-memory positions.
    for (const [source, { position, global }] of result.advanced) {
      this.positions.set(source, position);
      this.highestGlobal = Math.max(this.highestGlobal, global);
    }
    if (result.applied.length > 0) this.options.onCommitted?.(result.applied);
    if (result.advanced.size > 0) this.wakeWaiters();
    return { applied: result.applied.length, skipped: result.skipped };
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

  private wakeWaiters(): void {
    const ready = this.waiters.filter((w) => w.position <= this.highestGlobal);
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((w) => w.position > this.highestGlobal);
    for (const w of ready) {
      clearTimeout(w.timer);
      w.resolve(true);
    }
  }

  /**
   * Feeds batches from `source` until `signal` aborts. A batch that fails to apply is rolled
   * back and the error propagates: the source is expected to redeliver after a restart.
   */
  async run(source: EventSource, signal: AbortSignal): Promise<void> {
    for await (const batch of source.batches((s) => this.position(s), signal)) {
      this.applyBatch(batch);
      if (signal.aborted) break;
    }
  }
}
