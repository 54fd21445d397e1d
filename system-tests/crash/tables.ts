import { createHash } from 'node:crypto';
import type Database from '@fairflax/sqlite';
import type { TableDiff } from './types.js';

export interface TableRows {
  columns: string[];
  /** Every column when the table has no primary key. */
  key: string[];
  rows: unknown[][];
}

export const EMPTY_TABLE: TableRows = { columns: [], key: [], rows: [] };

export const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

export function tableNames(db: Database.Database): string[] {
  return db
    .prepare<[], string>(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .pluck()
    .all();
}

export function readTable(db: Database.Database, table: string): TableRows {
  if (!tableNames(db).includes(table)) return EMPTY_TABLE;
  const info = db
    .prepare<[], { name: string; pk: number }>(`PRAGMA table_info(${quote(table)})`)
    .all();
  const columns = info.map((c) => c.name);
  const pk = info
    .filter((c) => c.pk > 0)
    .sort((a, b) => a.pk - b.pk)
    .map((c) => c.name);
  const key = pk.length > 0 ? pk : columns;
  const rows = db
    .prepare(`SELECT * FROM ${quote(table)} ORDER BY ${key.map(quote).join(', ')}`)
    .raw(true)
    .all() as unknown[][];
  return { columns, key, rows };
}

/** Stable text for a value: blobs as hex, 64-bit integers as decimal text. */
export const encode = (value: unknown) =>
  JSON.stringify(value, (_k, v: unknown) =>
    Buffer.isBuffer(v) ? { hex: v.toString('hex') } : typeof v === 'bigint' ? v.toString() : v,
  );

export function checksum(table: TableRows): string {
  const hash = createHash('sha256').update(encode(table.columns)).update('\n');
  for (const row of table.rows) hash.update(encode(row)).update('\n');
  return hash.digest('hex');
}

function keyed(table: TableRows): Map<string, string> {
  const positions = table.key.map((k) => table.columns.indexOf(k));
  return new Map(table.rows.map((row) => [encode(positions.map((i) => row[i])), encode(row)]));
}

/** A differing row that an `alternatives` fold (another delivery order) yields is explained. */
export function diffTables(
  actual: TableRows,
  expected: TableRows,
  labels: readonly [string, string],
  alternatives: readonly TableRows[] = [],
): TableDiff {
  const columns = expected.columns.length > 0 ? expected.columns : actual.columns;
  const actualRows = keyed(actual);
  const expectedRows = keyed(expected);
  const others = alternatives.map(keyed);
  const explained = (key: string, value: string | undefined) =>
    others.some((o) => o.get(key) === value);
  const diff: TableDiff = {
    missing: 0,
    extra: 0,
    changed: 0,
    explainedByOrder: 0,
    changedColumns: {},
    samples: [],
  };
  const sample = (line: string) =>
    diff.samples.length < 5 &&
    diff.samples.push(line.length > 400 ? `${line.slice(0, 400)}…` : line);
  for (const [key, row] of expectedRows) {
    const other = actualRows.get(key);
    if (explained(key, other) && other !== row) diff.explainedByOrder++;
    if (other === undefined) {
      diff.missing++;
      sample(`missing ${key}`);
      continue;
    }
    if (other === row) continue;
    const a = JSON.parse(other) as unknown[];
    const b = JSON.parse(row) as unknown[];
    const changed = columns.filter((_c, i) => encode(a[i]) !== encode(b[i]));
    diff.changed++;
    for (const c of changed) diff.changedColumns[c] = (diff.changedColumns[c] ?? 0) + 1;
    const at = (c: string) => columns.indexOf(c);
    sample(
      `${key}: ${changed.map((c) => `${c} ${labels[0]} ${encode(a[at(c)])}, ${labels[1]} ${encode(b[at(c)])}`).join('; ')}`,
    );
  }
  for (const [key, row] of actualRows) {
    if (expectedRows.has(key)) continue;
    diff.extra++;
    if (explained(key, row)) diff.explainedByOrder++;
    sample(`extra ${key}`);
  }
  return diff;
}
