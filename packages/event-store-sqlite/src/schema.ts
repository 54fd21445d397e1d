import type Database from '@fairflax/sqlite';

/** `streams` makes an append's concurrency check one primary-key lookup, not a max(). */
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
 * `global_position` is the rowid: events are never deleted and one writer commits at a time.
 * Followers read the log once from start to end, so a large page cache (better-sqlite3 sets
 * 16 MB) would only keep pages a catch-up scanned, in every process that opens the store.
 */
export function prepareSchema(db: Database.Database): void {
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('cache_size = -2000');
  db.exec(SCHEMA);
}
