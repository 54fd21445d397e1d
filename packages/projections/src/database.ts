import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from '@fairflax/sqlite';
import type { Database } from './types.js';

/** synchronous=NORMAL may lose the last commits on power loss: the checkpoint goes with them. */
export function openReadModel(path: string): Database {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new BetterSqlite3(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  // A checkpoint (an fsync) per ~40 MB of log instead of 4 MB: a catch-up writes the same index
  // pages over and over, and each is copied into the database once per checkpoint.
  db.pragma('wal_autocheckpoint = 10000');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  return db;
}
