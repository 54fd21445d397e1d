import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from '@fairflax/sqlite';
import { StateDirLock } from './state-dir-lock.js';

/** `null` deletes the key (a changelog tombstone). */
export type StateChange = readonly [key: string, value: string | null];

/**
 * Per (store, partition) the rows are exactly the changelog before `checkpoint`, so both change
 * together. One process owns the directory (state-dir-lock.ts), and SQLite's lock is exclusive.
 */
export class LocalStateStore {
  private readonly db: Database.Database;
  private readonly selectValue: Database.Statement<[string, number, string], { value: string }>;
  private readonly upsertValue: Database.Statement<[string, number, string, string]>;
  private readonly deleteValue: Database.Statement<[string, number, string]>;
  private readonly selectCheckpoint: Database.Statement<
    [string, number],
    { changelog_offset: number }
  >;
  private readonly upsertCheckpoint: Database.Statement<[string, number, number]>;

  private constructor(
    readonly file: string,
    private readonly lock?: StateDirLock,
  ) {
    // Nobody else may use the file (exclusive mode): waiting would only delay the error.
    this.db = new Database(file, { timeout: 250 });
    try {
      this.db.pragma('locking_mode = EXCLUSIVE');
      this.db.pragma('journal_mode = WAL');
      // May lose the last commits on power loss: the checkpoint goes back with them.
      this.db.pragma('synchronous = NORMAL');
      this.db.exec(`
        CREATE TABLE IF NOT EXISTS state (
          store TEXT NOT NULL, partition INTEGER NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
          PRIMARY KEY (store, partition, key)
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS checkpoints (
          store TEXT NOT NULL, partition INTEGER NOT NULL, changelog_offset INTEGER NOT NULL,
          PRIMARY KEY (store, partition)
        ) WITHOUT ROWID;
      `);
    } catch (err) {
      this.db.close();
      lock?.release();
      if ((err as { code?: string }).code === 'SQLITE_BUSY') {
        throw new Error(
          `state store ${file} is in use by another process that did not take the directory's lock: give each instance its own state directory`,
        );
      }
      throw err;
    }
    this.selectValue = this.db.prepare(
      'SELECT value FROM state WHERE store = ? AND partition = ? AND key = ?',
    );
    this.upsertValue = this.db.prepare(
      'INSERT INTO state (store, partition, key, value) VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET value = excluded.value',
    );
    this.deleteValue = this.db.prepare(
      'DELETE FROM state WHERE store = ? AND partition = ? AND key = ?',
    );
    this.selectCheckpoint = this.db.prepare(
      'SELECT changelog_offset FROM checkpoints WHERE store = ? AND partition = ?',
    );
    this.upsertCheckpoint = this.db.prepare(
      'INSERT INTO checkpoints (store, partition, changelog_offset) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET changelog_offset = excluded.changelog_offset',
    );
  }

  static open(dir: string): LocalStateStore {
    mkdirSync(dir, { recursive: true });
    const lock = StateDirLock.acquire(dir);
    return new LocalStateStore(join(dir, 'state.sqlite'), lock);
  }

  get(store: string, partition: number, key: string): string | undefined {
    return this.selectValue.get(store, partition, key)?.value;
  }

  /** Rows are complete up to this changelog offset (exclusive); undefined when never held here. */
  checkpoint(store: string, partition: number): number | undefined {
    return this.selectCheckpoint.get(store, partition)?.changelog_offset;
  }

  /** Atomically with the checkpoint. */
  apply(
    store: string,
    partition: number,
    changes: Iterable<StateChange>,
    checkpoint: number,
  ): void {
    this.db.transaction(() => {
      for (const [key, value] of changes) {
        if (value === null) this.deleteValue.run(store, partition, key);
        else this.upsertValue.run(store, partition, key, value);
      }
      this.upsertCheckpoint.run(store, partition, checkpoint);
    })();
  }

  clear(store: string, partition: number): void {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM state WHERE store = ? AND partition = ?').run(store, partition);
      this.db
        .prepare('DELETE FROM checkpoints WHERE store = ? AND partition = ?')
        .run(store, partition);
    })();
  }

  size(store: string, partition: number): number {
    const row = this.db
      .prepare<[string, number], { n: number }>(
        'SELECT count(*) AS n FROM state WHERE store = ? AND partition = ?',
      )
      .get(store, partition);
    return row?.n ?? 0;
  }

  close(): void {
    if (this.db.open) this.db.close();
    this.lock?.release();
  }
}
