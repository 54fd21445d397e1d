import type { Delivery, EventSource } from '@fairflax/event-store';
import type { FairflaxEvent } from '@fairflax/events';
import type Sqlite from '@fairflax/sqlite';

type Database = Sqlite.Database;

export type { Database, Delivery, EventSource };

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
