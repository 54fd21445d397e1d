/** Emmett appends in a process of their own: two SQLite libraries never share a process or file. */
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

// Emmett 0.42.4 opens a connection per operation unless handed one; `singleton` does not help.
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
