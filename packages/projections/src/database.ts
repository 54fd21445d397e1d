import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from '@fairflax/sqlite';
import type { Database } from './types.js';

/**
 * Opens a read model's SQLite file. WAL lets HTTP reads run while a batch commits;
 * synchronous=NORMAL may lose the last commits on power loss, which is safe here because the
 * checkpoint is lost with them and the events are delivered again.
 */
export function openReadModel(path: string): Database {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new BetterSqlite3(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  return db;
}
