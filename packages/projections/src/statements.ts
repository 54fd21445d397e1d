import type Sqlite from '@fairflax/sqlite';

type Statement = Sqlite.Statement;
import type { Database } from './types.js';

export type { Statement };

const cache = new WeakMap<Database, WeakMap<object, Record<string, Statement>>>();

/** Prepared once per connection; `sql` must be a constant object (it is the cache key). */
export function preparedStatements<K extends string>(
  db: Database,
  sql: Readonly<Record<K, string>>,
): Record<K, Statement> {
  let perDb = cache.get(db);
  if (!perDb) cache.set(db, (perDb = new WeakMap()));
  let found = perDb.get(sql);
  if (!found) {
    found = Object.fromEntries(
      Object.entries<string>(sql).map(([name, text]) => [name, db.prepare(text)]),
    );
    perDb.set(sql, found);
  }
  return found;
}
