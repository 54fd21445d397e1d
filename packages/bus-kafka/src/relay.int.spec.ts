import { join } from 'node:path';
import { SqliteCheckpoint } from '@fairflax/event-store-sqlite';
import { InMemoryEventStore } from '@fairflax/event-store';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { until } from '../test/kafka.js';
import {
  appendArticle,
  appendAuthor,
  expectExactlyOnce,
  relaySuite,
  replica,
} from '../test/relay-fixtures.js';

describe('the Kafka relay and the Kafka event source', () => {
  const { cleanup, freshEnv, startRelay, dir } = relaySuite();

  it('at-least-once: a relay replaying from a stale checkpoint writes the log again, and the replicas skip it', async () => {
    const store = new InMemoryEventStore();
    for (let i = 0; i < 15; i++) await appendAuthor(store, `a${i}`, 2);
    for (let i = 0; i < 10; i++) await appendArticle(store, `x${i}`);
    const n = 15 * 3 + 10 * 2;
    const env = freshEnv('at-least-once');
    const checkpoint = new SqliteCheckpoint(join(dir(), 'replay.db'), 'kafka');
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
    // The relay saves its checkpoint after the broker acknowledged the batch; the replicas can
    // fetch and apply the batch before that acknowledgement reaches the relay.
    await until('the relay to checkpoint the late event', () => checkpoint.load() === n + 1);
  }, 120_000);

  it('reads every partition from the start again for a replica whose read model was wiped', async () => {
    const store = new InMemoryEventStore();
    for (let i = 0; i < 10; i++) await appendAuthor(store, `a${i}`, 1);
    for (let i = 0; i < 5; i++) await appendArticle(store, `x${i}`);
    const n = 10 * 2 + 5 * 2;
    const env = freshEnv();
    const checkpoint = new SqliteCheckpoint(join(dir(), 'wiped.db'));
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
