import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';

// better-sqlite3 12's destructors can abort Node >= 24.19 (`(env) != nullptr` in
// RemoveEnvironmentCleanupHook); 13 (Node-API) crashes on Node 20. Same API and types.
const require = createRequire(import.meta.url);
const nodeMajor = Number(process.versions.node.split('.')[0]);

export const DRIVER_PACKAGE = nodeMajor >= 22 ? 'better-sqlite3-napi' : 'better-sqlite3';

// eslint-disable-next-line @typescript-eslint/no-namespace -- types only, merged with the value below
declare namespace Database {
  type Database = BetterSqlite3.Database;
  type Statement<
    BindParameters extends unknown[] | object = unknown[],
    Result = unknown,
  > = BetterSqlite3.Statement<BindParameters, Result>;
  type Options = BetterSqlite3.Options;
}

const Database = require(DRIVER_PACKAGE) as typeof BetterSqlite3;

export default Database;
