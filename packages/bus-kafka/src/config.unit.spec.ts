import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import {
  deliveryFrom,
  groupIdFor,
  logLevelFrom,
  parseBrokers,
  partitionsFrom,
  replicaId,
  topicPrefixFrom,
} from './config.js';
import { kafkaLogCreator, resolveSettings, type KafkaLogger } from './options.js';
import { exactlyOnceAvailable } from './delivery.js';

describe('KAFKA_BROKERS', () => {
  it('defaults to the local broker and splits a comma-separated list, trimming spaces', () => {
    expect(parseBrokers(undefined)).toEqual(['127.0.0.1:9092']);
    expect(parseBrokers('  ')).toEqual(['127.0.0.1:9092']);
    expect(parseBrokers('kafka-1:9092, kafka-2.internal:19092,[::1]:9094')).toEqual([
      'kafka-1:9092',
      'kafka-2.internal:19092',
      '[::1]:9094',
    ]);
  });

  it('rejects an entry that is not host:port, naming the variable and the entry', () => {
    for (const bad of [
      'localhost',
      'localhost:',
      ':9092',
      'host:99999',
      'host:0',
      'a:9092,,b:9092',
      'ho st:9092',
      'host:90a',
    ]) {
      expect(() => parseBrokers(bad), bad).toThrow(
        /KAFKA_BROKERS must be a comma-separated list of host:port/,
      );
    }
    expect(() => parseBrokers('ok:1,broken')).toThrow(/"broken" is not host:port/);
  });
});

describe('consumer groups of read-service replicas', () => {
  it('names the group after the service and REPLICA_ID', () => {
    expect(groupIdFor('rss', { REPLICA_ID: 'eu-2' })).toBe('fairflax-rss-eu-2');
  });

  it('without REPLICA_ID, derives a stable replica id from DATA_DIR, else the working directory', () => {
    const one = replicaId({ DATA_DIR: '/srv/rss-1' });
    expect(one).toMatch(/^[0-9a-f]{10}$/);
    expect(replicaId({ DATA_DIR: '/srv/rss-1' })).toBe(one);
    expect(replicaId({ DATA_DIR: '/srv/rss-2' })).not.toBe(one);
    expect(replicaId({}, '/srv/rss-1')).toBe(one);
  });

  it('rejects a REPLICA_ID that cannot be part of a group id', () => {
    expect(() => replicaId({ REPLICA_ID: 'a b' })).toThrow(/REPLICA_ID/);
  });
});

describe('other Kafka settings', () => {
  it('reads KAFKA_LOG_LEVEL, KAFKA_PARTITIONS and KAFKA_TOPIC_PREFIX with defaults, naming a bad one', () => {
    expect(logLevelFrom({})).toBe(logLevel.WARN);
    expect(logLevelFrom({ KAFKA_LOG_LEVEL: 'Debug' })).toBe(logLevel.DEBUG);
    expect(() => logLevelFrom({ KAFKA_LOG_LEVEL: 'loud' })).toThrow(/KAFKA_LOG_LEVEL/);
    expect(partitionsFrom({})).toBe(3);
    expect(partitionsFrom({ KAFKA_PARTITIONS: '12' })).toBe(12);
    expect(() => partitionsFrom({ KAFKA_PARTITIONS: '0' })).toThrow(/KAFKA_PARTITIONS/);
    expect(topicPrefixFrom({})).toBe('');
    expect(topicPrefixFrom({ KAFKA_TOPIC_PREFIX: 'staging.' })).toBe('staging.');
    expect(() => topicPrefixFrom({ KAFKA_TOPIC_PREFIX: 'a/b' })).toThrow(/KAFKA_TOPIC_PREFIX/);
  });

  it('doubles the redelivery delay from initialMs up to maxMs, and rejects bad options by name', () => {
    const { retryDelayMs } = resolveSettings({
      brokers: ['b:1'],
      retryBackoff: { initialMs: 100, maxMs: 500 },
    });
    expect([1, 2, 3, 4, 5].map(retryDelayMs)).toEqual([100, 200, 400, 500, 500]);
    expect(() => resolveSettings({ brokers: [] })).toThrow(/brokers/);
    expect(() => resolveSettings({ brokers: ['b:1'], partitions: 0 })).toThrow(/partitions/);
  });

  it('passes kafkajs log entries to the logger by level, dropping the idempotent-retries warning', () => {
    const seen: string[] = [];
    const record = (level: string) => (obj: object, msg: string) =>
      void seen.push(`${level} ${msg} ${JSON.stringify(obj)}`);
    const logger: KafkaLogger = {
      info: record('info'),
      warn: record('warn'),
      error: record('error'),
    };
    const log = kafkaLogCreator(logger)(logLevel.INFO);
    const entry = (level: logLevel, message: string) => ({
      namespace: 'Producer',
      level,
      label: '',
      log: { timestamp: 't', message, broker: 'b:1' },
    });
    log(entry(logLevel.ERROR, 'Connection error'));
    log(
      entry(
        logLevel.WARN,
        'Limiting retries for the idempotent producer may invalidate EoS guarantees',
      ),
    );
    log(entry(logLevel.INFO, 'Starting'));
    expect(seen).toEqual([
      'error Connection error {"kafkajs":"Producer","broker":"b:1"}',
      'info Starting {"kafkajs":"Producer","broker":"b:1"}',
    ]);
  });
});

describe('the package as a transport', () => {
  it('is TRANSPORT=kafka (read side and relay), rejecting bad settings by name', async () => {
    const { kafkaTransport: adapter, startKafkaRelay } = await import('./index.js');
    expect(adapter).toHaveProperty('startRelay', startKafkaRelay);
    const options = { service: 'rss', articlesAddress: '127.0.0.1:50051' };
    await expect(
      adapter.openEventSource({ ...options, env: { KAFKA_BROKERS: 'nope' } }),
    ).rejects.toThrow(/KAFKA_BROKERS/);
    const source = await adapter.openEventSource({ ...options, env: { REPLICA_ID: 'r1' } });
    expect(source.status()).toEqual({
      transport: 'kafka',
      brokers: ['127.0.0.1:9092'],
      group: 'fairflax-rss-r1',
      topics: ['author', 'article'],
      connected: false,
    });
    await source.close();
  });
});

describe('KAFKA_DELIVERY', () => {
  it('defaults to exactly-once when the build has it, and accepts at-least-once', () => {
    expect(deliveryFrom({}, true)).toBe('exactly-once');
    expect(deliveryFrom({ KAFKA_DELIVERY: ' at-least-once ' }, true)).toBe('at-least-once');
  });

  // features.ts and the files agree: a build that lists the sink holds it, and the other way round.
  it('defaults to exactly-once exactly when this build holds the transactional sink', () => {
    const built = ['.ts', '.js'].some((ext) =>
      existsSync(fileURLToPath(new URL(`./transactional-sink${ext}`, import.meta.url))),
    );
    expect(exactlyOnceAvailable()).toBe(built);
    expect(deliveryFrom({})).toBe(built ? 'exactly-once' : 'at-least-once');
  });

  it('defaults to at-least-once in a build without exactly-once, and refuses to be asked for it there', () => {
    expect(deliveryFrom({}, false)).toBe('at-least-once');
    expect(() => deliveryFrom({ KAFKA_DELIVERY: 'exactly-once' }, false)).toThrow(
      'KAFKA_DELIVERY=exactly-once is not available: this build has no transactional sink',
    );
  });

  it('names the variable and the choices for anything else', () => {
    expect(() => deliveryFrom({ KAFKA_DELIVERY: 'twice' }, true)).toThrow(
      'KAFKA_DELIVERY must be one of exactly-once, at-least-once, got "twice"',
    );
  });
});
