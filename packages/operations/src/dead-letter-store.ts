import type { StoredEvent } from '@fairflax/event-store';
import type { Database, Statement } from '@fairflax/projections';

/** `sequenced` behind an earlier parked event of its stream, which never applies out of order. */
export type DeadLetterReason = 'failed' | 'sequenced';

/** A delivery a read model could not apply, parked in its own table. */
export interface DeadLetter {
  id: number;
  projection: string;
  source: string;
  position: number;
  offset: number | undefined;
  /** As delivered: its bytes, not its decoded form. */
  event: StoredEvent;
  error: string;
  reason: DeadLetterReason;
  parkedAt: string;
  /** 0 for an event only sequenced behind another. */
  attempts: number;
  replayRequested: boolean;
}

export type NewDeadLetter = Omit<DeadLetter, 'id' | 'replayRequested'>;

const DDL = `
  CREATE TABLE IF NOT EXISTS dead_letters (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    projection TEXT NOT NULL,
    source TEXT NOT NULL,
    position INTEGER NOT NULL,
    transport_offset INTEGER,
    event_id TEXT NOT NULL,
    stream_id TEXT NOT NULL,
    global_position INTEGER NOT NULL,
    stream_version INTEGER NOT NULL,
    event_type TEXT NOT NULL,
    schema_version INTEGER NOT NULL,
    recorded_at TEXT NOT NULL,
    metadata TEXT NOT NULL,
    data BLOB NOT NULL,
    error TEXT NOT NULL,
    reason TEXT NOT NULL CHECK (reason IN ('failed', 'sequenced')),
    parked_at TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    replay_requested INTEGER NOT NULL DEFAULT 0 CHECK (replay_requested IN (0, 1)),
    -- The checkpoint moves past a parked event in the same transaction, so a delivery is
    -- parked at most once; a second insert is a bug and fails the batch.
    UNIQUE (projection, source, position)
  ) STRICT;
  CREATE INDEX IF NOT EXISTS dead_letters_by_stream ON dead_letters (projection, stream_id, global_position);
  -- The running service polls for replay requests every second: keep that lookup tiny.
  CREATE INDEX IF NOT EXISTS dead_letters_replay_requested ON dead_letters (projection) WHERE replay_requested = 1`;

interface Row {
  id: number;
  projection: string;
  source: string;
  position: number;
  transport_offset: number | null;
  event_id: string;
  stream_id: string;
  global_position: number;
  stream_version: number;
  event_type: string;
  schema_version: number;
  recorded_at: string;
  metadata: string;
  data: Uint8Array;
  error: string;
  reason: DeadLetterReason;
  parked_at: string;
  attempts: number;
  replay_requested: number;
}

const fromRow = (row: Row): DeadLetter => ({
  id: row.id,
  projection: row.projection,
  source: row.source,
  position: row.position,
  offset: row.transport_offset ?? undefined,
  event: {
    eventId: row.event_id,
    streamId: row.stream_id,
    streamVersion: row.stream_version,
    globalPosition: row.global_position,
    type: row.event_type,
    schemaVersion: row.schema_version,
    data: new Uint8Array(row.data.buffer, row.data.byteOffset, row.data.byteLength),
    metadata: JSON.parse(row.metadata) as Record<string, string>,
    recordedAt: row.recorded_at,
  },
  error: row.error,
  reason: row.reason,
  parkedAt: row.parked_at,
  attempts: row.attempts,
  replayRequested: row.replay_requested === 1,
});

// Not the event's fault: parking every event while the disk is full would empty the read model
// into the dead-letter table. Extended codes (SQLITE_IOERR_WRITE) count too.
const TRANSIENT_CODES =
  /^SQLITE_(BUSY|LOCKED|FULL|NOMEM|IOERR|CANTOPEN|READONLY|INTERRUPT|PROTOCOL|PERM|AUTH|NOLFS|CORRUPT|NOTADB)(_\w+)?$/;

/** By name, not `instanceof`, so it holds whichever copy of the driver threw it. */
export function isTransientError(err: unknown): boolean {
  if (!(err instanceof Error) || err.name !== 'SqliteError') return false;
  const { code } = err as Error & { code?: unknown };
  return typeof code === 'string' && TRANSIENT_CODES.test(code);
}

export function errorText(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

export const sequencedBehind = (globalPosition: number): string =>
  `sequenced behind the parked event at position ${globalPosition} of the same stream`;

const hasTable = (db: Database): boolean =>
  db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'dead_letters'").get() !==
  undefined;

export class DeadLetters {
  private readonly sql: Record<
    | 'insert'
    | 'blockers'
    | 'requested'
    | 'anyRequested'
    | 'ofStream'
    | 'remove'
    | 'failedAgain'
    | 'resequence'
    | 'clearRequest',
    Statement
  >;

  /** One table per file, shared by its projections. */
  static migrate(db: Database): void {
    db.exec(DDL);
  }

  constructor(
    db: Database,
    private readonly projection: string,
  ) {
    const sql = {
      insert: `INSERT INTO dead_letters (projection, source, position, transport_offset, event_id, stream_id,
                 global_position, stream_version, event_type, schema_version, recorded_at, metadata, data,
                 error, reason, parked_at, attempts)
               VALUES (@projection, @source, @position, @offset, @eventId, @streamId, @globalPosition,
                 @streamVersion, @type, @schemaVersion, @recordedAt, @metadata, @data, @error, @reason,
                 @parkedAt, @attempts)`,
      blockers: `SELECT stream_id, min(global_position) AS blocker FROM dead_letters
                 WHERE projection = ? GROUP BY stream_id`,
      requested:
        'SELECT DISTINCT stream_id FROM dead_letters WHERE projection = ? AND replay_requested = 1',
      anyRequested:
        'SELECT 1 FROM dead_letters WHERE projection = ? AND replay_requested = 1 LIMIT 1',
      ofStream:
        'SELECT * FROM dead_letters WHERE projection = ? AND stream_id = ? ORDER BY global_position, id',
      remove: 'DELETE FROM dead_letters WHERE id = ?',
      failedAgain:
        "UPDATE dead_letters SET attempts = attempts + 1, error = ?, reason = 'failed' WHERE id = ?",
      resequence: `UPDATE dead_letters SET error = ?
                   WHERE projection = ? AND stream_id = ? AND reason = 'sequenced' AND global_position > ?`,
      clearRequest:
        'UPDATE dead_letters SET replay_requested = 0 WHERE projection = ? AND stream_id = ?',
    };
    this.sql = Object.fromEntries(
      Object.entries(sql).map(([name, text]) => [name, db.prepare(text)]),
    ) as typeof this.sql;
  }

  park(letter: NewDeadLetter): DeadLetter {
    const { event } = letter;
    const { lastInsertRowid } = this.sql.insert.run({
      projection: letter.projection,
      source: letter.source,
      position: letter.position,
      offset: letter.offset ?? null,
      eventId: event.eventId,
      streamId: event.streamId,
      globalPosition: event.globalPosition,
      streamVersion: event.streamVersion,
      type: event.type,
      schemaVersion: event.schemaVersion,
      recordedAt: event.recordedAt,
      metadata: JSON.stringify(event.metadata),
      data: event.data,
      error: letter.error,
      reason: letter.reason,
      parkedAt: letter.parkedAt,
      attempts: letter.attempts,
    });
    return { ...letter, id: Number(lastInsertRowid), replayRequested: false };
  }

  blockers(): Map<string, number> {
    const rows = this.sql.blockers.all(this.projection) as { stream_id: string; blocker: number }[];
    return new Map(rows.map((r) => [r.stream_id, r.blocker]));
  }

  streamsToReplay(): string[] {
    return (this.sql.requested.all(this.projection) as { stream_id: string }[]).map(
      (r) => r.stream_id,
    );
  }

  anyReplayRequested(): boolean {
    return this.sql.anyRequested.get(this.projection) !== undefined;
  }

  ofStream(streamId: string): DeadLetter[] {
    return (this.sql.ofStream.all(this.projection, streamId) as Row[]).map(fromRow);
  }

  remove(letter: DeadLetter): void {
    this.sql.remove.run(letter.id);
  }

  /** It now blocks its stream: later events wait on it. */
  failedAgain(letter: DeadLetter, error: string): void {
    this.sql.failedAgain.run(error, letter.id);
    const { streamId, globalPosition } = letter.event;
    this.sql.resequence.run(
      sequencedBehind(globalPosition),
      this.projection,
      streamId,
      globalPosition,
    );
  }

  clearReplayRequest(streamId: string): void {
    this.sql.clearRequest.run(this.projection, streamId);
  }
}

export interface DeadLetterFilter {
  projection?: string;
  streamId?: string;
}

/** Oldest first; none when the file has no such table. */
export function listDeadLetters(db: Database, filter: DeadLetterFilter = {}): DeadLetter[] {
  if (!hasTable(db)) return [];
  const rows = db
    .prepare(
      `SELECT * FROM dead_letters
       WHERE (@projection IS NULL OR projection = @projection) AND (@streamId IS NULL OR stream_id = @streamId)
       ORDER BY global_position, id`,
    )
    .all({ projection: filter.projection ?? null, streamId: filter.streamId ?? null }) as Row[];
  return rows.map(fromRow);
}

/** How many `projection` has parked now; 0 when the file has no such table. */
export function countDeadLetters(db: Database, projection: string): number {
  if (!hasTable(db)) return 0;
  const row = db
    .prepare('SELECT count(*) AS parked FROM dead_letters WHERE projection = ?')
    .get(projection) as { parked: number };
  return row.parked;
}

/** Only marks them, for the running service to replay; safe from another process (WAL). */
export function requestReplay(
  db: Database,
  target: { projection: string; streamId?: string },
): { events: number; streams: number } {
  if (!hasTable(db)) return { events: 0, streams: 0 };
  const marked = db
    .prepare(
      `UPDATE dead_letters SET replay_requested = 1
       WHERE projection = @projection AND (@streamId IS NULL OR stream_id = @streamId)
       RETURNING stream_id`,
    )
    .all({ projection: target.projection, streamId: target.streamId ?? null }) as {
    stream_id: string;
  }[];
  return { events: marked.length, streams: new Set(marked.map((r) => r.stream_id)).size };
}
