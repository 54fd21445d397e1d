export {
  openSqliteEventStore,
  SqliteEventStore,
  type GroupCommit,
  type GroupCommitListener,
  type SqliteEventStoreOptions,
  type SqliteEventStoreStats,
} from './sqlite-event-store.js';
export { SqliteCheckpoint } from './checkpoint.js';
