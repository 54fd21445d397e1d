import type { StoredEvent } from '@fairflax/event-store';
import type { FairflaxEvent } from '@fairflax/events';
import type Sqlite from '@fairflax/sqlite';

type Database = Sqlite.Database;

export type { Database };

/** A decoded event with where it sits in the log. */
export interface ProjectedEvent {
  event: FairflaxEvent;
  streamId: string;
  streamVersion: number;
  globalPosition: number;
  recordedAt: string;
}

/**
 * A read model: its tables and how each event changes them. `apply` runs inside the batch's
 * SQLite transaction together with the checkpoint update, so it must not do other I/O.
 */
export interface Projection {
  /** Names the checkpoint rows; change it to force a rebuild of a changed read model. */
  name: string;
  /** Creates or migrates the read model's tables; must be idempotent. */
  migrate(db: Database): void;
  apply(db: Database, event: ProjectedEvent): void;
}

/**
 * One event as a transport delivers it. `source` names an ordered sequence (the whole log
 * for the embedded feed, `topic/partition` for Kafka) and `position` increases within it.
 */
export interface Delivery {
  source: string;
  position: number;
  /**
   * The transport's own offset of this message within `source` (a Kafka offset), when it has
   * one. Positions stay the events' global positions; the offset is stored beside them so the
   * transport can seek there itself rather than trust what the broker remembers.
   */
  offset?: number;
  event: StoredEvent;
}

/**
 * Where a projection's events come from. Yields batches in order per source, starting after
 * the positions `from` reports, and keeps going (reconnecting on its own) until `signal` aborts.
 *
 * `offsetOf(source)` is the transport offset committed with the read model for that source
 * (see `Delivery.offset`), undefined when none is. A transport with offsets of its own seeks
 * each source to `offsetOf(source) + 1` when it starts, instead of trusting the broker's group
 * position: the read model's file is the record of what was applied, and a group position
 * committed after a crash (or never committed) can be ahead of or behind it.
 */
export interface EventSource {
  batches(
    from: (source: string) => number,
    signal: AbortSignal,
    offsetOf?: (source: string) => number | undefined,
  ): AsyncIterable<readonly Delivery[]>;
}
