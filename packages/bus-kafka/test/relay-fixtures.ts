/** Stores, replicas and relays shared by the relay suites (at-least-once and exactly-once). */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InMemoryEventStore } from '@fairflax/event-store';
import type { SqliteCheckpoint } from '@fairflax/event-store-sqlite';
import { articleStream, authorStream, encodeEvent, type FairflaxEvent } from '@fairflax/events';
import {
  openReadModel,
  ProjectionRunner,
  type EventSource,
  type Projection,
} from '@fairflax/projections';
import { envReader } from '@fairflax/service-kit';
import { afterAll, beforeAll, expect } from 'vitest';
import { kafkaForSuite, quietLogger } from './kafka.js';
import { openEventSource, startKafkaRelay, type KafkaRelay } from '../src/index.js';

/** Read model: one row per event applied, with how many times it was applied and in what order. */
export const eventLog: Projection = {
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

export interface Row {
  global_position: number;
  stream_id: string;
  stream_version: number;
  times: number;
  seq: number;
}

const at = 't';
export async function appendAuthor(store: InMemoryEventStore, id: string, renames: number) {
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
export async function appendArticle(store: InMemoryEventStore, id: string) {
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
export async function replica(env: Record<string, string>, id: string) {
  const runner = new ProjectionRunner(openReadModel(':memory:'), eventLog);
  const connections: boolean[] = [];
  const source = await openEventSource({
    service: 'relay-test',
    articlesAddress: '127.0.0.1:1',
    env: envReader({ ...env, REPLICA_ID: id }),
    onConnectionChange: (connected) => connections.push(connected),
  });
  let delivered = 0;
  const counting: EventSource = {
    async *batches(from, signal, offsetOf) {
      for await (const batch of source.batches(from, signal, offsetOf)) {
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
export function expectExactlyOnce(rows: Row[], n: number) {
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

/** Registers the suite's hooks; each test gets topics of its own from `freshEnv`. */
export function relaySuite() {
  const brokers = kafkaForSuite();
  const state = { dir: '' };
  const cleanup: (() => Promise<void> | void)[] = [];
  /** Topics of their own for each test: the broker is shared with other suites and runs. */
  /** Without `delivery`, the build's default (exactly-once from step 4 on, else at-least-once). */
  const freshEnv = (delivery?: string): Record<string, string> => ({
    ...(delivery ? { KAFKA_DELIVERY: delivery } : {}),
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
      env: envReader(env),
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
    state.dir = mkdtempSync(join(tmpdir(), 'bus-kafka-relay-'));
  });
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step();
    if (state.dir) rmSync(state.dir, { recursive: true, force: true });
  });

  return { brokers, cleanup, freshEnv, startRelay, dir: () => state.dir };
}
