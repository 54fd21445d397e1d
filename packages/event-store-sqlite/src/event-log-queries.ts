import type Database from '@fairflax/sqlite';
import type { StoredEvent } from '@fairflax/event-store';

interface EventRow {
  global_position: number;
  stream_id: string;
  stream_version: number;
  event_id: string;
  type: string;
  schema_version: number;
  data: Buffer;
  metadata: string;
  recorded_at: string;
}

const COLUMNS =
  'global_position, stream_id, stream_version, event_id, type, schema_version, data, metadata, recorded_at';

export class EventLogQueries {
  private readonly stream: Database.Statement<[string, number], EventRow>;
  private readonly after: Database.Statement<[number, number], EventRow>;
  private readonly head: Database.Statement<[], number>;

  constructor(db: Database.Database) {
    this.stream = db.prepare(
      `SELECT ${COLUMNS} FROM events WHERE stream_id = ? AND stream_version >= ? ORDER BY stream_version`,
    );
    this.after = db.prepare(
      `SELECT ${COLUMNS} FROM events WHERE global_position > ? ORDER BY global_position LIMIT ?`,
    );
    this.head = db
      .prepare<[], number>('SELECT coalesce(max(global_position), 0) FROM events')
      .pluck();
  }

  readStream(streamId: string, fromVersion: number): StoredEvent[] {
    return this.stream.all(streamId, fromVersion).map(toStoredEvent);
  }

  /** `limit` must not be negative: SQLite reads a negative LIMIT as "no limit". */
  readAll(afterPosition: number, limit: number): StoredEvent[] {
    return this.after.all(afterPosition, limit).map(toStoredEvent);
  }

  headPosition(): number {
    return this.head.get() ?? 0;
  }
}

function toStoredEvent(row: EventRow): StoredEvent {
  return {
    eventId: row.event_id,
    type: row.type,
    schemaVersion: row.schema_version,
    // Not a Buffer: the same shape every adapter hands out.
    data: new Uint8Array(row.data.buffer, row.data.byteOffset, row.data.byteLength),
    metadata: JSON.parse(row.metadata) as Record<string, string>,
    streamId: row.stream_id,
    streamVersion: row.stream_version,
    globalPosition: row.global_position,
    recordedAt: row.recorded_at,
  };
}
