import type { Statement } from './statements.js';
import type { Database } from './types.js';

/** How far a projection got in one source; `global` is the event store position there. */
export interface Checkpoint {
  position: number;
  global: number;
  offset: number | undefined;
}

const NO_CHECKPOINT: Checkpoint = { position: 0, global: 0, offset: undefined };

const DDL = `
  CREATE TABLE IF NOT EXISTS projection_checkpoints (
    projection TEXT NOT NULL,
    source TEXT NOT NULL,
    position INTEGER NOT NULL,
    global_position INTEGER NOT NULL,
    transport_offset INTEGER,
    PRIMARY KEY (projection, source)
  ) STRICT`;

interface Row {
  source: string;
  position: number;
  global_position: number;
  transport_offset: number | null;
}

const fromRow = (row: Row): Checkpoint => ({
  position: row.position,
  global: row.global_position,
  offset: row.transport_offset ?? undefined,
});

/** One row per source; memory holds only what has committed. */
export class Checkpoints {
  private readonly committed = new Map<string, Checkpoint>();
  private highest = 0;
  private readonly upsert: Statement;

  static migrate(db: Database): void {
    db.exec(DDL);
    // Older files lack the column.
    const columns = db.pragma('table_info(projection_checkpoints)') as { name: string }[];
    if (!columns.some((c) => c.name === 'transport_offset')) {
      db.exec('ALTER TABLE projection_checkpoints ADD COLUMN transport_offset INTEGER');
    }
  }

  constructor(
    db: Database,
    private readonly projection: string,
  ) {
    const rows = db
      .prepare(
        'SELECT source, position, global_position, transport_offset FROM projection_checkpoints WHERE projection = ?',
      )
      .all(projection) as Row[];
    this.remember(new Map(rows.map((row) => [row.source, fromRow(row)])));
    this.upsert = db.prepare(
      `INSERT INTO projection_checkpoints (projection, source, position, global_position, transport_offset)
       VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (projection, source) DO UPDATE SET position = excluded.position,
         global_position = excluded.global_position, transport_offset = excluded.transport_offset`,
    );
  }

  read(source: string): Checkpoint {
    return this.committed.get(source) ?? NO_CHECKPOINT;
  }

  /** Every source with a committed position. */
  positions(): Map<string, number> {
    return new Map([...this.committed].map(([source, c]) => [source, c.position]));
  }

  highestGlobal(): number {
    return this.highest;
  }

  write(moved: ReadonlyMap<string, Checkpoint>): void {
    for (const [source, next] of moved) {
      const stored = this.read(source);
      if (next.position === stored.position && next.offset === stored.offset) continue;
      this.upsert.run(this.projection, source, next.position, next.global, next.offset ?? null);
    }
  }

  remember(moved: ReadonlyMap<string, Checkpoint>): void {
    for (const [source, checkpoint] of moved) {
      this.committed.set(source, checkpoint);
      this.highest = Math.max(this.highest, checkpoint.global);
    }
  }
}
