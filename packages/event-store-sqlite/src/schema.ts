import type Database from '@fairflax/sqlite';

/**
 * `streams` holds each stream's current version, so the concurrency check of an append is one
 * primary-key lookup instead of a max() over the stream's events. `commands` remembers the
 * result of every append that carried a command id, to answer repeats with.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  global_position INTEGER PRIMARY KEY,
  stream_id       TEXT    NOT NULL,
  stream_version  INTEGER NOT NULL,
  event_id        TEXT    NOT NULL UNIQUE,
  type            TEXT    NOT NULL,
  schema_version  INTEGER NOT NULL,
  data            BLOB    NOT NULL,
  metadata        TEXT    NOT NULL, -- a JSON object of strings
  recorded_at     TEXT    NOT NULL,
  UNIQUE (stream_id, stream_version)
) STRICT;

CREATE TABLE IF NOT EXISTS streams (
  stream_id TEXT    PRIMARY KEY,
  version   INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS commands (
  command_id      TEXT    PRIMARY KEY,
  stream_id       TEXT    NOT NULL,
  stream_version  INTEGER NOT NULL,
  global_position INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
`;

/**
 * WAL lets readers (subscriptions, other processes) run while a commit is written;
 * synchronous=NORMAL syncs at checkpoints rather than every commit, so a power loss can drop
 * the last commits but never corrupts the file. `global_position` is the rowid without
 * AUTOINCREMENT: events are never deleted, so it only grows, and in commit order because
 * SQLite lets one writer at a time hold the write lock.
 */
export function prepareSchema(db: Database.Database): void {
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(SCHEMA);
}
