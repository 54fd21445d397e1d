import Database from '@fairflax/sqlite';

/** In the event store's file, backed up with the events; a bus `RelayCheckpoint` by structure. */
export class SqliteCheckpoint {
  private readonly db: Database.Database;
  private readonly select: Database.Statement<[string], { position: number }>;
  private readonly upsert: Database.Statement<[string, number]>;

  constructor(
    path: string,
    readonly name = 'relay',
  ) {
    this.db = new Database(path);
    try {
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      // The event store may hold the write lock for a group commit: wait rather than fail.
      this.db.pragma('busy_timeout = 5000');
      this.db.exec(
        'CREATE TABLE IF NOT EXISTS relay_checkpoints (name TEXT PRIMARY KEY, position INTEGER NOT NULL) STRICT',
      );
      this.select = this.db.prepare('SELECT position FROM relay_checkpoints WHERE name = ?');
      this.upsert = this.db.prepare(
        'INSERT INTO relay_checkpoints (name, position) VALUES (?, ?) ' +
          'ON CONFLICT (name) DO UPDATE SET position = excluded.position',
      );
    } catch (err) {
      this.db.close();
      throw err;
    }
  }

  load(): number {
    return this.select.get(this.name)?.position ?? 0;
  }

  save(position: number): void {
    if (!Number.isSafeInteger(position) || position < 0) {
      throw new RangeError(`checkpoint position must be a non-negative integer, got ${position}`);
    }
    this.upsert.run(this.name, position);
  }

  close(): void {
    this.db.close();
  }
}
