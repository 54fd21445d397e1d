/**
 * Emmett's SQLite event store (node-sqlite3 underneath) appending the same ~360-byte events
 * with expected versions, one at a time, as a separate process: this process never loads
 * better-sqlite3, so two SQLite library copies never share a process (or a file).
 *
 *   node --import tsx src/emmett-append.ts --file <path> --seconds <s>
 *
 * Prints one JSON line: { operations, elapsedMs }.
 */
import { parseArgs } from 'node:util';
import { getSQLiteEventStore, sqliteConnection } from '@event-driven-io/emmett-sqlite';
import { timedLoop } from './harness.js';
import { AppendPayloads } from './payload.js';

const { values } = parseArgs({
  options: { file: { type: 'string' }, seconds: { type: 'string' } },
});
if (values.file === undefined || values.seconds === undefined) {
  process.stderr.write('usage: emmett-append --file <path> --seconds <s>\n');
  process.exit(2);
}

// Emmett at its best: 0.42.4's pool opens (and closes) a connection per operation unless it
// is handed one to share; `singleton: true` alone changes nothing for a file database.
const connection = sqliteConnection({ fileName: values.file });
// The same durability as our store and the raw inserts (WAL is Emmett's own choice).
await connection.command('PRAGMA synchronous = NORMAL');
const store = getSQLiteEventStore({
  fileName: values.file,
  connectionOptions: { singleton: true, connection },
});
await store.schema.migrate();

const payloads = new AppendPayloads();
const result = await timedLoop(Number(values.seconds), 1, async (_, i) => {
  const streamName = `article-e${i}`;
  const at = new Date().toISOString();
  await store.appendToStream(streamName, [payloads.drafted(i, streamName, at)], {
    expectedStreamVersion: 0n,
  });
  await store.appendToStream(streamName, [payloads.revised(i, streamName, at)], {
    expectedStreamVersion: 1n,
  });
  return 2;
});
connection.close();
process.stdout.write(`${JSON.stringify(result)}\n`);
