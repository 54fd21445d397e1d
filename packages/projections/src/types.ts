import type { StoredEvent } from '@fairflax/event-store';
import type { FairflaxEvent } from '@fairflax/events';
import type Sqlite from '@fairflax/sqlite';

type Database = Sqlite.Database;

export type { Database };

export interface ProjectedEvent {
  event: FairflaxEvent;
  streamId: string;
  streamVersion: number;
  globalPosition: number;
  recordedAt: string;
}

/** `apply` runs in the batch's SQLite transaction, with the checkpoint: it must do no other I/O. */
export interface Projection {
  /** Names the checkpoint rows; change it to force a rebuild of a changed read model. */
  name: string;
  /** Must be idempotent. */
  migrate(db: Database): void;
  apply(db: Database, event: ProjectedEvent): void;
}

/** `source`: the log, or a Kafka `topic/partition`; `position` increases within it. */
export interface Delivery {
  source: string;
  position: number;
  /** A Kafka offset, stored beside the position so the transport seeks there itself. */
  offset?: number;
  event: StoredEvent;
}

/**
 * Reconnects on its own until `signal` aborts. A transport with offsets seeks to
 * `offsetOf(source) + 1`: the read model's file, not the broker, records what was applied.
 */
export interface EventSource {
  batches(
    from: (source: string) => number,
    signal: AbortSignal,
    offsetOf?: (source: string) => number | undefined,
  ): AsyncIterable<readonly Delivery[]>;
}
