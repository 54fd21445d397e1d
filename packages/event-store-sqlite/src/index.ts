export {
  openSqliteEventStore,
  SqliteEventStore,
  type SqliteEventStoreOptions,
  type SqliteEventStoreStats,
} from './sqlite-event-store.js';
export { SqliteCheckpoint } from './checkpoint.js';
