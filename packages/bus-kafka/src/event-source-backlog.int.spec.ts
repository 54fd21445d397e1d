import { randomBytes } from 'node:crypto';
import { toBusMessage } from '@fairflax/bus';
import type { FairflaxEvent } from '@fairflax/events';
import { followSource, openReadModel, ProjectionRunner } from '@fairflax/projections';
import {
  authorRegistered as registered,
  eventLog,
  journalProjection,
} from '@fairflax/projections/testing';
import { envReader } from '@fairflax/service-kit';
import { Kafka, logLevel } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { kafkaForSuite, quietLogger, until } from '../test/kafka.js';
import { KafkaBus, openEventSource } from './index.js';
import { toRecord } from './records.js';

const SERVICE = 'backlog-test';

describe('the Kafka event source’s backlog', () => {
  const brokers = kafkaForSuite();
  const cleanup: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  }, 60_000);

  it('counts per partition what was fetched but not applied, and nothing once caught up, commit markers included', async () => {
    const run = randomBytes(4).toString('hex');
    const prefix = `${SERVICE}-${run}.`;
    const authorTopic = `${prefix}author`;
    const env = envReader({
      KAFKA_BROKERS: brokers().join(','),
      KAFKA_TOPIC_PREFIX: prefix,
      KAFKA_LOG_LEVEL: 'nothing',
      REPLICA_ID: run,
    });
    const writer = new KafkaBus({
      brokers: brokers(),
      logLevel: logLevel.NOTHING,
      logger: quietLogger,
    });
    cleanup.push(() => writer.close());
    const nextEvents = eventLog();
    const records = (events: FairflaxEvent[]) =>
      nextEvents(events).map((d) => toBusMessage(d.event));

    const source = await openEventSource({
      service: SERVICE,
      articlesAddress: '127.0.0.1:1',
      env,
      logger: quietLogger,
    });
    cleanup.push(() => source.close());
    // While `failing`, every batch is rolled back and retried: fetched, never applied.
    const rules = { failing: true };
    const projection = journalProjection('journal', () =>
      rules.failing ? new Error('not yet') : undefined,
    );
    const runner = new ProjectionRunner(openReadModel(':memory:'), projection);
    cleanup.push(() => void runner.db.close());
    const following = followSource(runner, source, quietLogger, { retryDelayMs: 100 });
    cleanup.push(() => following.stop());
    const backlog = () => [...(source.backlog?.(runner) ?? new Map<string, number>()).values()];
    const behind = () => backlog().reduce((sum, events) => sum + events, 0);

    await writer.publish(authorTopic, records([registered('a'), registered('b'), registered('c')]));
    await until('the three events to be fetched and not applied', () => behind() === 3);
    expect(
      [...(source.backlog?.(runner).keys() ?? [])].every((s) => s.startsWith(`${authorTopic}/`)),
    ).toBe(true);

    rules.failing = false;
    await until('the read model to catch up', () => runner.globalPosition() === 3);
    expect(behind()).toBe(0);

    // A transaction's commit marker takes an offset after its records: not an event to apply.
    const kafka = new Kafka({ brokers: brokers(), logLevel: logLevel.NOTHING });
    const producer = kafka.producer({
      transactionalId: `${prefix}writer`,
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
    cleanup.push(() => producer.disconnect());
    const transaction = await producer.transaction();
    await transaction.send({
      topic: authorTopic,
      messages: records([registered('d'), registered('e')]).map(toRecord),
    });
    await transaction.commit();
    await until('the transaction’s events to be applied', () => runner.globalPosition() === 5);
    expect(backlog().length).toBeGreaterThan(0);
    expect(behind()).toBe(0);
    expect(source.status()).toMatchObject({ connected: true });
  }, 90_000);
});
