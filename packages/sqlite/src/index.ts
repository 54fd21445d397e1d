import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';

/**
 * better-sqlite3 in the major version that works on the running Node:
 * - 12.x is built on Node's `node::ObjectWrap`; from Node 24.19 on, its objects' destructors
 *   can abort the process (`Assertion failed: (env) != nullptr` in
 *   RemoveEnvironmentCleanupHook) when the garbage collector or process teardown runs them.
 * - 13.x is built on Node-API and does not, but crashes on Node 20.
 * Both install; this module loads 13 on Node 22 and later, 12 before. Same API and types.
 */
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
