import { randomBytes } from 'node:crypto';
import type { BusMessage, Delivery } from '@fairflax/bus';
import { busContract } from '@fairflax/bus/contract';
import { logLevel } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import {
  kafkaForSuite,
  quietLogger,
  RESTARTED_BROKER,
  restartKafka,
  sleep,
  until,
} from '../test/kafka.js';
import { KafkaBus, kafkaFeatures } from './index.js';

// One file for every suite that restarts the broker, so they run one after the other, on a
// broker of their own, so that the restarts do not disturb the suites running beside them.
const brokers = kafkaForSuite(RESTARTED_BROKER);

const open = () =>
  new KafkaBus({
    brokers: brokers(),
    logLevel: process.env['KAFKA_TEST_LOG'] ? logLevel.WARN : logLevel.NOTHING,
    logger: quietLogger,
  });

busContract(
  'KafkaBus',
  () =>
    Promise.resolve({
      bus: open(),
      restart: async () => {
        await restartKafka(RESTARTED_BROKER);
        return open();
      },
    }),
  kafkaFeatures,
  { deadlineMs: 20_000 },
);

const encoder = new TextEncoder();
const keys = Array.from({ length: 6 }, (_, i) => `stream-${i}`);
const message = (key: string, seq: number): BusMessage => ({
  key,
  value: encoder.encode(`${key}#${seq}`),
  headers: { seq: String(seq) },
});

interface Received {
  delivery: Delivery;
  seq: number;
  /** Received after the restart began. */
  late: boolean;
}

describe('KafkaBus across a broker restart', () => {
  const buses: KafkaBus[] = [];
  const openTracked = () => {
    const bus = new KafkaBus({
      brokers: brokers(),
      logLevel: process.env['KAFKA_TEST_LOG'] ? logLevel.WARN : logLevel.NOTHING,
      logger: quietLogger,
      publishTimeoutMs: 90_000,
    });
    buses.push(bus);
    return bus;
  };

  afterAll(async () => {
    await Promise.all(buses.map((bus) => bus.close()));
  });

  it('delivers every message in order per key while the broker restarts mid-stream, and publish recovers', async () => {
    const topic = `restart-${randomBytes(6).toString('hex')}`;
    const publisher = openTracked();
    const consumer = openTracked();
    const received: Received[] = [];
    let restart: { started: number; ended?: number } | undefined;
    await consumer.subscribe(
      topic,
      { group: `restart-${randomBytes(6).toString('hex')}` },
      (batch) => {
        for (const delivery of batch) {
          received.push({
            delivery,
            seq: Number(delivery.headers['seq']),
            late: restart !== undefined,
          });
        }
        return Promise.resolve();
      },
    );

    // Publish rounds of one message per key; restart the broker once 40 rounds are out, and
    // keep publishing until 20 rounds after the broker is back.
    const publishes: { started: number; ended: number }[] = [];
    let restarting: Promise<void> | undefined;
    let seq = 0;
    let roundsAfterRestart = 0;
    for (; roundsAfterRestart < 20; seq++) {
      if (seq === 40) {
        restart = { started: Date.now() };
        const window = restart;
        restarting = restartKafka(RESTARTED_BROKER).then(() => void (window.ended = Date.now()));
      }
      const started = Date.now();
      await publisher.publish(
        topic,
        keys.map((key) => message(key, seq)),
      );
      publishes.push({ started, ended: Date.now() });
      if (restart?.ended !== undefined) roundsAfterRestart++;
      await sleep(25);
    }
    await restarting;
    const rounds = seq;

    const firstDeliveries = () => new Set(received.map((r) => `${r.delivery.key}#${r.seq}`)).size;
    await until(
      'every message to arrive',
      () => firstDeliveries() === rounds * keys.length,
      90_000,
    );

    const window = restart as { started: number; ended: number };
    // Publish kept working: some publish was issued while the broker was down or restarting,
    // and every publish resolved (a rejection would have failed the loop above).
    const duringRestart = publishes.filter(
      (p) => p.started >= window.started && p.started <= window.ended,
    );
    expect(duringRestart.length).toBeGreaterThan(0);
    const longest = Math.max(...publishes.map((p) => p.ended - p.started));
    console.info(
      `broker restart took ${window.ended - window.started} ms; ${rounds} rounds; ` +
        `longest publish ${longest} ms; ${received.length - rounds * keys.length} duplicates`,
    );

    for (const key of keys) {
      const ofKey = received.filter((r) => r.delivery.key === key);
      // No loss, and first deliveries in publish order.
      const firsts: number[] = [];
      for (const r of ofKey) if (!firsts.includes(r.seq)) firsts.push(r.seq);
      expect(firsts).toEqual(Array.from({ length: rounds }, (_, i) => i));
      // Duplicates only across the restart: before it began, every delivery was the next one.
      const early = ofKey.filter((r) => !r.late).map((r) => r.seq);
      expect(early).toEqual(Array.from({ length: early.length }, (_, i) => i));
      // A key never moves partition, and a repeat is never out of order: each delivery is either
      // the next sequence number or a replay that itself runs forward (no message seen before
      // its predecessor within a run).
      expect(new Set(ofKey.map((r) => r.delivery.partition)).size).toBe(1);
      for (let i = 1; i < ofKey.length; i++) {
        const [previous, current] = [ofKey[i - 1], ofKey[i]] as [Received, Received];
        if (current.seq !== previous.seq + 1) {
          expect(current.late, `${key}: seq ${current.seq} after ${previous.seq}`).toBe(true);
          expect(current.seq).toBeLessThanOrEqual(previous.seq);
        }
      }
    }
  }, 240_000);
});
