import { createServer } from 'node:net';
import { InMemoryEventStore } from '@fairflax/event-store';
import { openReadModel, ProjectionRunner } from '@fairflax/projections';
import { beforeAll, describe, expect, it } from 'vitest';
import { quietLogger, sleep, until } from '../test/kafka.js';
import { exactlyOnceAvailable } from './delivery.js';
import type { KafkaLogger } from '@fairflax/kafka-kit';
import { envReader } from '@fairflax/service-kit';
import { KafkaBus, openEventSource, startKafkaRelay } from './index.js';

/** A port nothing listens on: connections are refused at once. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function recordingLogger() {
  const errors: string[] = [];
  const logger: KafkaLogger = { ...quietLogger, error: (_obj, msg) => void errors.push(msg) };
  return { logger, errors };
}

describe('with no broker reachable', () => {
  let broker: string;
  beforeAll(async () => {
    broker = `127.0.0.1:${await closedPort()}`;
  });

  // Both relays where this build has both (tutorial step 2 has only the at-least-once one).
  const relays = [
    { delivery: 'at-least-once', lastError: /could not publish/ },
    { delivery: 'exactly-once', lastError: /ECONNREFUSED/ },
  ].filter(({ delivery }) => delivery === 'at-least-once' || exactlyOnceAvailable());

  it.each(relays)(
    'the $delivery relay logs, reports itself unhealthy, keeps its checkpoint and stops promptly, never throwing',
    async ({ delivery, lastError }) => {
      const store = new InMemoryEventStore();
      await store.append('author-a', 'no_stream', [
        {
          eventId: 'e1',
          type: 'AuthorRegistered',
          schemaVersion: 1,
          data: new Uint8Array(),
          metadata: {},
        },
      ]);
      let saved: number | undefined;
      const checkpoint = { load: () => 0, save: (p: number) => void (saved = p) };
      const { logger, errors } = recordingLogger();
      const stop = new AbortController();
      const relay = startKafkaRelay({
        store,
        checkpoint,
        env: envReader({
          KAFKA_BROKERS: broker,
          KAFKA_LOG_LEVEL: 'nothing',
          KAFKA_DELIVERY: delivery,
        }),
        logger,
        signal: stop.signal,
        publishTimeoutMs: 0,
        retryBackoff: { initialMs: 50, maxMs: 100 },
      });

      await until('the relay to report a failure', () => !relay.status().healthy, 30_000);
      expect(relay.status()).toMatchObject({ brokers: [broker], position: 0 });
      expect(relay.status().lastError).toMatch(lastError);
      expect(errors).toContain('Kafka relay failed; resuming from its checkpoint');
      expect(saved).toBeUndefined();

      const stopping = Date.now();
      stop.abort();
      await relay.stopped;
      expect(Date.now() - stopping).toBeLessThan(2_000);
    },
    40_000,
  );

  it('a read side keeps trying, reports not connected, and closes promptly', async () => {
    const changes: boolean[] = [];
    const source = await openEventSource({
      service: 'unreachable-test',
      articlesAddress: '127.0.0.1:1',
      env: envReader({ KAFKA_BROKERS: broker, KAFKA_LOG_LEVEL: 'nothing', REPLICA_ID: 'r1' }),
      logger: quietLogger,
      onConnectionChange: (connected) => changes.push(connected),
    });
    const runner = new ProjectionRunner(openReadModel(':memory:'), {
      name: 'none',
      migrate: () => undefined,
      apply: () => undefined,
    });
    const following = new AbortController();
    const running = runner.run(source, following.signal);
    await sleep(1_500);
    expect(source.status()).toEqual({
      transport: 'kafka',
      brokers: [broker],
      group: 'fairflax-unreachable-test-r1',
      topics: ['author', 'article'],
      connected: false,
      reconnects: 0,
    });

    const closing = Date.now();
    following.abort();
    await running;
    await source.close();
    expect(Date.now() - closing).toBeLessThan(2_000);
    expect(changes).not.toContain(true);
  }, 20_000);

  it('closing the bus rejects a publish that is waiting for the brokers', async () => {
    const bus = new KafkaBus({ brokers: [broker], logger: quietLogger, logLevel: 0 });
    const publishing = bus.publish('t', [{ key: 'k', value: new Uint8Array([1]), headers: {} }]);
    await sleep(300);
    const closing = Date.now();
    await bus.close();
    await expect(publishing).rejects.toThrow(/KafkaBus is closed/);
    expect(Date.now() - closing).toBeLessThan(2_000);
  });
});
