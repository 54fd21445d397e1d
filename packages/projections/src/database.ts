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
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  return db;
}
