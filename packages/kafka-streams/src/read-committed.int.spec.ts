import { Partitioners, type Admin, type Kafka, type Producer } from 'kafkajs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  connectTestKafka,
  createTopic,
  deleteTestTopics,
  eventually,
  unique,
} from '../test/kafka.js';
import { readTopic } from './topic-reader.js';

/**
 * What a repartition topic sees: several transactional producers (one per input partition of
 * the stage before) writing to one partition, their transactions interleaved, some aborted.
 * A read_committed kafkajs consumer must deliver the committed records only. With kafkajs
 * 2.2.4 as published, the first record of a transaction that started first but was aborted
 * last came through (the stream processor then counted a publication twice).
 */
let kafka: Kafka;
let admin: Admin;
const prefix = unique('read-committed');
let unreachable: Error | undefined;

beforeAll(async () => {
  try {
    ({ kafka, admin } = await connectTestKafka());
  } catch (err) {
    unreachable = err instanceof Error ? err : new Error(String(err));
  }
});
beforeEach(() => {
  if (unreachable) throw unreachable;
});
afterAll(async () => {
  if (admin) await deleteTestTopics(admin, prefix);
  await admin?.disconnect();
});

const transactional = async (id: string): Promise<Producer> => {
  const producer = kafka.producer({
    transactionalId: id,
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  return producer;
};

describe('read_committed over interleaved transactions of several producers', () => {
  it('delivers none of the records of transactions aborted out of their start order', async () => {
    const topic = `${prefix}-repartition`;
    await createTopic(admin, topic, 1);
    const [first, second, third] = await Promise.all(
      ['first', 'second', 'third'].map((name) => transactional(`${prefix}-${name}`)),
    );
    try {
      const send = (value: string) => ({ topic, messages: [{ key: value, value, partition: 0 }] });
      const a = await first!.transaction();
      await a.send(send('aborted-first-1'));
      const b = await second!.transaction();
      await b.send(send('aborted-second-1'));
      await a.send(send('aborted-first-2'));
      // Aborted in the opposite order to the one they started in, as a restarted stream
      // processor's claims may abort its predecessor's open transactions.
      await b.abort();
      await a.abort();
      const c = await third!.transaction();
      await c.send(send('committed'));
      await c.commit();

      // The commit returns before its markers are written: read until it is visible.
      let values: (string | null)[] = [];
      await eventually('the committed record to be readable', async () => {
        values = (await readTopic(kafka, topic)).map((r) => r.value);
        return values.includes('committed');
      });
      expect(values).toEqual(['committed']);
    } finally {
      for (const producer of [first, second, third]) await producer?.disconnect();
    }
  });
});
