import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InMemoryEventStore } from '@fairflax/event-store';
import { SqliteCheckpoint } from '@fairflax/event-store-sqlite';
import { articleStream, authorStream, encodeEvent, type FairflaxEvent } from '@fairflax/events';
import {
  openReadModel,
  ProjectionRunner,
  type EventSource,
  type Projection,
} from '@fairflax/projections';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kafkaForSuite, quietLogger, until } from '../test/kafka.js';
import { openEventSource, startKafkaRelay, type KafkaRelay } from './index.js';

/** Read model: one row per event applied, with how many times it was applied and in what order. */
const eventLog: Projection = {
  name: 'event-log',
  migrate: (db) =>
    db.exec(`CREATE TABLE IF NOT EXISTS applied (
      global_position INTEGER PRIMARY KEY, stream_id TEXT NOT NULL, stream_version INTEGER NOT NULL,
      times INTEGER NOT NULL, seq INTEGER NOT NULL) STRICT`),
  apply: (db, e) => {
    db.prepare(
      `INSERT INTO applied VALUES (?, ?, ?, 1, (SELECT count(*) FROM applied))
       ON CONFLICT (global_position) DO UPDATE SET times = times + 1`,
    ).run(e.globalPosition, e.streamId, e.streamVersion);
  },
};

interface Row {
  global_position: number;
  stream_id: string;
  stream_version: number;
  times: number;
  seq: number;
}

const at = 't';
async function appendAuthor(store: InMemoryEventStore, id: string, renames: number) {
  const events: FairflaxEvent[] = [
    { type: 'AuthorRegistered', data: { authorId: id, name: id, registeredAt: at } },
  ];
  for (let r = 1; r <= renames; r++) {
    events.push({
      type: 'AuthorRenamed',
      data: { authorId: id, name: `${id}-${r}`, previousName: '', renamedAt: at },
    });
  }
  await store.append(
    authorStream(id),
    'no_stream',
    events.map((e, k) => ({ eventId: `${id}-${k}`, ...encodeEvent(e), metadata: {} })),
  );
}
async function appendArticle(store: InMemoryEventStore, id: string) {
  const events: FairflaxEvent[] = [
    {
      type: 'ArticleDrafted',
      data: {
        articleId: id,
        title: id,
        body: 'b',
        category: 'business',
        authorId: 'a0',
        authorName: 'a0',
        draftedAt: at,
      },
    },
    { type: 'ArticlePublished', data: { articleId: id, publishedAt: at } },
  ];
  await store.append(
    articleStream(id),
    'no_stream',
    events.map((e, k) => ({
      eventId: `${id}-${k}`,
      ...encodeEvent(e),
      metadata: { 'trace-id': id },
    })),
  );
}

/** A read-service replica: its own read model, following Kafka as its own group. */
async function replica(env: Record<string, string>, id: string) {
  const runner = new ProjectionRunner(openReadModel(':memory:'), eventLog);
  const connections: boolean[] = [];
  const source = await openEventSource({
    service: 'relay-test',
    articlesAddress: '127.0.0.1:1',
    env: { ...env, REPLICA_ID: id },
    onConnectionChange: (connected) => connections.push(connected),
  });
  let delivered = 0;
  const counting: EventSource = {
    async *batches(from, signal) {
      for await (const batch of source.batches(from, signal)) {
        delivered += batch.length;
        yield batch;
      }
    },
  };
  const following = new AbortController();
  const running = runner.run(counting, following.signal);
  return {
    source,
    connections,
    delivered: () => delivered,
    rows: () => runner.db.prepare('SELECT * FROM applied ORDER BY global_position').all() as Row[],
    stop: async () => {
      following.abort();
      await running;
      await source.close();
    },
  };
}

/** Each event exactly once, positions 1..n, and each stream's events applied in version order. */
function expectExactlyOnce(rows: Row[], n: number) {
  expect(rows.map((r) => r.global_position)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
  expect(rows.every((r) => r.times === 1)).toBe(true);
  const byStream = new Map<string, Row[]>();
  for (const row of rows)
    byStream.set(row.stream_id, [...(byStream.get(row.stream_id) ?? []), row]);
  for (const ofStream of byStream.values()) {
    const inApplyOrder = [...ofStream].sort((a, b) => a.seq - b.seq).map((r) => r.stream_version);
    expect(inApplyOrder).toEqual(ofStream.map((_, i) => i + 1));
  }
}

describe('the Kafka relay and the Kafka event source', () => {
  const brokers = kafkaForSuite();
  let dir: string;
  const cleanup: (() => Promise<void> | void)[] = [];
  /** Topics of their own for each test: the broker is shared with other suites and runs. */
  const freshEnv = (): Record<string, string> => ({
    KAFKA_BROKERS: brokers().join(','),
    KAFKA_TOPIC_PREFIX: `relay-test-${randomBytes(4).toString('hex')}.`,
    KAFKA_LOG_LEVEL: process.env['KAFKA_TEST_LOG'] ? 'info' : 'nothing',
  });
  const startRelay = (
    store: InMemoryEventStore,
    checkpoint: SqliteCheckpoint,
    env: Record<string, string>,
  ) => {
    const stop = new AbortController();
    const relay: KafkaRelay = startKafkaRelay({
      store,
      checkpoint,
      env,
      logger: quietLogger,
      signal: stop.signal,
    });
    const stopped = async () => {
      stop.abort();
      await relay.stopped;
    };
    cleanup.push(stopped);
    return { relay, stop: stopped };
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'bus-kafka-relay-'));
  });
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('gives every replica every event exactly once, and a relay replaying from a stale checkpoint changes nothing', async () => {
    const store = new InMemoryEventStore();
    for (let i = 0; i < 15; i++) await appendAuthor(store, `a${i}`, 2);
    for (let i = 0; i < 10; i++) await appendArticle(store, `x${i}`);
    const n = 15 * 3 + 10 * 2;
    const env = freshEnv();
    const checkpoint = new SqliteCheckpoint(join(dir, 'replay.db'), 'kafka');
    cleanup.push(() => checkpoint.close());
    let relay = startRelay(store, checkpoint, env);
    const run = randomBytes(4).toString('hex');
    const a = await replica(env, `a-${run}`);
    const b = await replica(env, `b-${run}`);
    cleanup.push(a.stop, b.stop);
    expect(a.source.status()).toMatchObject({
      transport: 'kafka',
      group: `fairflax-relay-test-a-${run}`,
    });

    await until('the relay to checkpoint every event', () => checkpoint.load() === n);
    await until(
      'both replicas to apply every event',
      () => a.rows().length === n && b.rows().length === n,
    );
    expectExactlyOnce(a.rows(), n);
    expectExactlyOnce(b.rows(), n);
    expect(a.source.status()).toMatchObject({ connected: true });
    expect(b.connections).toEqual([true]);

    // A relay that crashed before saving its checkpoint publishes everything again.
    await relay.stop();
    checkpoint.save(0);
    const [deliveredA, deliveredB] = [a.delivered(), b.delivered()];
    relay = startRelay(store, checkpoint, env);
    await appendAuthor(store, 'late', 0);
    await until(
      'the replay to reach both replicas',
      () => a.delivered() >= deliveredA + n + 1 && b.delivered() >= deliveredB + n + 1,
    );
    await until(
      'the late event to be applied',
      () => a.rows().length === n + 1 && b.rows().length === n + 1,
    );
    expectExactlyOnce(a.rows(), n + 1);
    expectExactlyOnce(b.rows(), n + 1);
    expect(checkpoint.load()).toBe(n + 1);
  }, 120_000);

  it('reads every partition from the start again for a replica whose read model was wiped', async () => {
    const store = new InMemoryEventStore();
    for (let i = 0; i < 10; i++) await appendAuthor(store, `a${i}`, 1);
    for (let i = 0; i < 5; i++) await appendArticle(store, `x${i}`);
    const n = 10 * 2 + 5 * 2;
    const env = freshEnv();
    const checkpoint = new SqliteCheckpoint(join(dir, 'wiped.db'));
    cleanup.push(() => checkpoint.close());
    startRelay(store, checkpoint, env);
    const id = `wiped-${randomBytes(4).toString('hex')}`;

    const before = await replica(env, id);
    await until('the replica to apply every event', () => before.rows().length === n);
    await before.stop();
    // Same replica id, so same group, whose committed offsets are at the end of every partition.
    const after = await replica(env, id);
    cleanup.push(after.stop);
    await until('the wiped replica to apply every event again', () => after.rows().length === n);
    expectExactlyOnce(after.rows(), n);
  }, 120_000);
});
