import Database from '@fairflax/sqlite';
import {
  ConcurrencyError,
  type AppendResult,
  type ExpectedVersion,
  type NewEvent,
} from '@fairflax/event-store';

export interface PendingAppend {
  streamId: string;
  expectedVersion: ExpectedVersion;
  events: readonly NewEvent[];
  commandId: string | undefined;
  /** `performance.now()` when `append` was called. */
  calledAt: number;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
}

export class AppendStatements {
  readonly begin: Database.Statement<[]>;
  readonly commit: Database.Statement<[]>;
  readonly rollback: Database.Statement<[]>;
  readonly savepoint: Database.Statement<[]>;
  readonly release: Database.Statement<[]>;
  readonly rollbackToSavepoint: Database.Statement<[]>;
  private readonly findCommand: Database.Statement<
    [string],
    { stream_version: number; global_position: number }
  >;
  private readonly createStream: Database.Statement<[string, number]>;
  private readonly advanceStream: Database.Statement<[number, string, number]>;
  private readonly advanceAnyStream: Database.Statement<[string, number], number>;
  private readonly streamVersion: Database.Statement<[string], number>;
  private readonly insertEvent: Database.Statement<
    [string, number, string, string, number, Uint8Array, string, string]
  >;
  private readonly insertCommand: Database.Statement<[string, string, number, number]>;

  constructor(db: Database.Database) {
    // A transaction that read first, then found another process writing, could only fail.
    this.begin = db.prepare('BEGIN IMMEDIATE');
    this.commit = db.prepare('COMMIT');
    this.rollback = db.prepare('ROLLBACK');
    this.savepoint = db.prepare('SAVEPOINT append');
    this.release = db.prepare('RELEASE append');
    this.rollbackToSavepoint = db.prepare('ROLLBACK TO append');
    this.findCommand = db.prepare(
      'SELECT stream_version, global_position FROM commands WHERE command_id = ?',
    );
    this.createStream = db.prepare(
      'INSERT INTO streams (stream_id, version) VALUES (?, ?) ON CONFLICT DO NOTHING',
    );
    this.advanceStream = db.prepare(
      'UPDATE streams SET version = ? WHERE stream_id = ? AND version = ?',
    );
    this.advanceAnyStream = db
      .prepare<[string, number], number>(
        `INSERT INTO streams (stream_id, version) VALUES (?, ?)
         ON CONFLICT (stream_id) DO UPDATE SET version = version + excluded.version
         RETURNING version`,
      )
      .pluck();
    this.streamVersion = db
      .prepare<[string], number>('SELECT version FROM streams WHERE stream_id = ?')
      .pluck();
    this.insertEvent = db.prepare(
      `INSERT INTO events (stream_id, stream_version, event_id, type, schema_version, data, metadata, recorded_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.insertCommand = db.prepare(
      'INSERT INTO commands (command_id, stream_id, stream_version, global_position) VALUES (?, ?, ?, ?)',
    );
  }

  /** ConcurrencyError comes before any write; after any other throw the caller rolls back. */
  apply(append: PendingAppend, recordedAt: string): AppendResult {
    const { streamId, expectedVersion, events, commandId } = append;
    if (commandId !== undefined) {
      const earlier = this.findCommand.get(commandId);
      if (earlier) {
        return {
          streamVersion: earlier.stream_version,
          globalPosition: earlier.global_position,
          duplicate: true,
        };
      }
    }

    const count = events.length;
    let base: number;
    if (expectedVersion === 'any') {
      base = (this.advanceAnyStream.get(streamId, count) ?? count) - count;
    } else {
      base = expectedVersion === 'no_stream' ? 0 : expectedVersion;
      const advanced =
        base === 0
          ? this.createStream.run(streamId, count)
          : this.advanceStream.run(base + count, streamId, base);
      if (advanced.changes === 0) {
        throw new ConcurrencyError(
          streamId,
          expectedVersion,
          this.streamVersion.get(streamId) ?? 0,
        );
      }
    }

    let globalPosition = 0;
    for (let i = 0; i < count; i++) {
      const event = events[i]!;
      try {
        globalPosition = Number(
          this.insertEvent.run(
            streamId,
            base + i + 1,
            event.eventId,
            event.type,
            event.schemaVersion,
            event.data,
            JSON.stringify(event.metadata),
            recordedAt,
          ).lastInsertRowid,
        );
      } catch (err) {
        if (isDuplicateEventId(err)) {
          throw new Error(
            `cannot append to stream ${streamId}: event id ${event.eventId} is already stored`,
            {
              cause: err,
            },
          );
        }
        throw err;
      }
    }
    const streamVersion = base + count;
    if (commandId !== undefined)
      this.insertCommand.run(commandId, streamId, streamVersion, globalPosition);
    return { streamVersion, globalPosition, duplicate: false };
  }
}

function isDuplicateEventId(err: unknown): boolean {
  return (
    err instanceof Database.SqliteError &&
    err.code === 'SQLITE_CONSTRAINT_UNIQUE' &&
    err.message.includes('events.event_id')
  );
}
