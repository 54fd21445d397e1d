import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { toBusMessage } from '@fairflax/bus';
import { InMemoryEventStore } from '@fairflax/event-store';
import { SqliteCheckpoint } from '@fairflax/event-store-sqlite';
import { Partitioners } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { quietLogger, until } from '../test/kafka.js';
import {
  appendArticle,
  appendAuthor,
  expectExactlyOnce,
  relaySuite,
  replica,
} from '../test/relay-fixtures.js';
import { KafkaBus } from './index.js';

describe('the exactly-once Kafka relay', () => {
  const { brokers, cleanup, freshEnv, startRelay, dir } = relaySuite();

  it('exactly-once: a restarted relay resumes from the position committed with its last batch, whatever its local copy says', async () => {
    const store = new InMemoryEventStore();
    for (let i = 0; i < 15; i++) await appendAuthor(store, `a${i}`, 2);
    for (let i = 0; i < 10; i++) await appendArticle(store, `x${i}`);
    const n = 15 * 3 + 10 * 2;
    const env = freshEnv('exactly-once');
    const checkpoint = new SqliteCheckpoint(join(dir(), 'eos-restart.db'), 'kafka');
    cleanup.push(() => checkpoint.close());
    let relay = startRelay(store, checkpoint, env);
    const r = await replica(env, `eos-${randomBytes(4).toString('hex')}`);
    cleanup.push(r.stop);
    await until('the replica to apply every event', () => r.rows().length === n);
    expect(relay.relay.status()).toMatchObject({ delivery: 'exactly-once', position: n });
    expect(checkpoint.load()).toBe(n);

    // The local copy lags (a crash after the Kafka commit, before it was saved): ignored.
    await relay.stop();
    checkpoint.save(3);
    const delivered = r.delivered();
    relay = startRelay(store, checkpoint, env);
    await appendAuthor(store, 'late', 0);
    await until('the late event to be applied', () => r.rows().length === n + 1);
    expectExactlyOnce(r.rows(), n + 1);
    // Only the late event travelled: nothing was written to Kafka twice.
    expect(r.delivered()).toBe(delivered + 1);
    await until('the local copy to follow', () => checkpoint.load() === n + 1);
  }, 120_000);

  it('exactly-once: a relay that died inside a transaction is fenced, and what it wrote is never read', async () => {
    const store = new InMemoryEventStore();
    for (let i = 0; i < 5; i++) await appendAuthor(store, `a${i}`, 1);
    const n = 5 * 2;
    const env = freshEnv('exactly-once');
    const prefix = env['KAFKA_TOPIC_PREFIX'] ?? '';
    // The dead relay: same transactional id, a batch sent (an event the store does not have,
    // at a position the store will give to another event) and never committed.
    const zombieBus = new KafkaBus({ brokers: brokers(), logger: quietLogger, logLevel: 0 });
    cleanup.push(() => zombieBus.close());
    await zombieBus.ensureTopic(`${prefix}author`);
    const zombie = zombieBus.client.producer({
      transactionalId: `${prefix}fairflax-articles-relay`,
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await zombie.connect();
    cleanup.push(() => zombie.disconnect());
    const ghost = new InMemoryEventStore();
    await appendAuthor(ghost, 'ghost', 0);
    const transaction = await zombie.transaction();
    const [ghostEvent] = await ghost.readAll(0, 1);
    await transaction.send({
      topic: `${prefix}author`,
      messages: [
        {
          key: 'author-ghost',
          value: Buffer.from(ghostEvent!.data),
          headers: toBusMessage(ghostEvent!).headers,
        },
      ],
    });

    const checkpoint = new SqliteCheckpoint(join(dir(), 'eos-fenced.db'), 'kafka');
    cleanup.push(() => checkpoint.close());
    const relay = startRelay(store, checkpoint, env);
    const r = await replica(env, `fenced-${randomBytes(4).toString('hex')}`);
    cleanup.push(r.stop);
    await until('the replica to apply every event', () => r.rows().length === n);
    await until('the relay to report its position', () => relay.relay.status().position === n);
    // The zombie cannot commit any more: its epoch is over.
    await expect(transaction.commit()).rejects.toThrow();
    expectExactlyOnce(r.rows(), n);
    expect(r.rows().some((row) => row.stream_id === 'author-ghost')).toBe(false);
    expect(r.delivered()).toBe(n);
  }, 120_000);

  it('exactly-once: two relays of one store fence each other and still write every event once', async () => {
    const store = new InMemoryEventStore();
    const env = freshEnv('exactly-once');
    const [first, second] = [
      new SqliteCheckpoint(join(dir(), 'eos-two-a.db'), 'kafka'),
      new SqliteCheckpoint(join(dir(), 'eos-two-b.db'), 'kafka'),
    ];
    cleanup.push(
      () => first.close(),
      () => second.close(),
    );
    startRelay(store, first, env);
    startRelay(store, second, env);
    const r = await replica(env, `two-${randomBytes(4).toString('hex')}`);
    cleanup.push(r.stop);
    let n = 0;
    for (let round = 0; round < 20; round++) {
      await appendAuthor(store, `two-${round}`, 2);
      n += 3;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await until('the replica to apply every event', () => r.rows().length === n, 60_000);
    expectExactlyOnce(r.rows(), n);
    expect(r.delivered()).toBe(n);
  }, 120_000);
});
