import { envReader } from '@fairflax/service-kit';
import { logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import {
  brokersFrom,
  deliveryFrom,
  kafkaConnection,
  logLevelFrom,
  partitionsFrom,
  topicPrefixFrom,
} from './config.js';
import { kafkaLogCreator, type KafkaLogger } from './log.js';

const env = (vars: Record<string, string> = {}) => envReader(vars);

describe('KAFKA_BROKERS', () => {
  it('defaults to the local broker and splits a comma-separated list, trimming spaces', () => {
    expect(brokersFrom(env())).toEqual(['127.0.0.1:9092']);
    expect(brokersFrom(env({ KAFKA_BROKERS: '  ' }))).toEqual(['127.0.0.1:9092']);
    expect(
      brokersFrom(env({ KAFKA_BROKERS: 'kafka-1:9092, kafka-2.internal:19092,[::1]:9094' })),
    ).toEqual(['kafka-1:9092', 'kafka-2.internal:19092', '[::1]:9094']);
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
      expect(() => brokersFrom(env({ KAFKA_BROKERS: bad })), bad).toThrow(
        /^KAFKA_BROKERS: expected a comma-separated list of host:port/,
      );
    }
    expect(() => brokersFrom(env({ KAFKA_BROKERS: 'ok:1,broken' }))).toThrow(
      /"broken" is not host:port/,
    );
  });
});

describe('other Kafka settings', () => {
  it('reads KAFKA_LOG_LEVEL, KAFKA_PARTITIONS and KAFKA_TOPIC_PREFIX with defaults, naming a bad one', () => {
    expect(logLevelFrom(env())).toBe(logLevel.WARN);
    expect(logLevelFrom(env({ KAFKA_LOG_LEVEL: 'Debug' }))).toBe(logLevel.DEBUG);
    expect(() => logLevelFrom(env({ KAFKA_LOG_LEVEL: 'loud' }))).toThrow(/^KAFKA_LOG_LEVEL/);
    expect(partitionsFrom(env())).toBe(3);
    expect(partitionsFrom(env({ KAFKA_PARTITIONS: '12' }))).toBe(12);
    expect(() => partitionsFrom(env({ KAFKA_PARTITIONS: '0' }))).toThrow(/^KAFKA_PARTITIONS/);
    expect(topicPrefixFrom(env())).toBe('');
    expect(topicPrefixFrom(env({ KAFKA_TOPIC_PREFIX: 'staging.' }))).toBe('staging.');
    expect(() => topicPrefixFrom(env({ KAFKA_TOPIC_PREFIX: 'a/b' }))).toThrow(
      /^KAFKA_TOPIC_PREFIX/,
    );
  });

  it('reads a connection as brokers, prefix and log level together', () => {
    expect(kafkaConnection(env({ KAFKA_BROKERS: 'k:1', KAFKA_TOPIC_PREFIX: 'p.' }))).toEqual({
      brokers: ['k:1'],
      topicPrefix: 'p.',
      logLevel: logLevel.WARN,
    });
  });
});

describe('KAFKA_DELIVERY', () => {
  it('defaults to exactly-once when the build has it, and accepts at-least-once', () => {
    expect(deliveryFrom(env(), true)).toBe('exactly-once');
    expect(deliveryFrom(env({ KAFKA_DELIVERY: ' at-least-once ' }), true)).toBe('at-least-once');
  });

  it('defaults to at-least-once in a build without exactly-once, and refuses to be asked for it there', () => {
    expect(deliveryFrom(env(), false)).toBe('at-least-once');
    expect(() => deliveryFrom(env({ KAFKA_DELIVERY: 'exactly-once' }), false)).toThrow(
      'KAFKA_DELIVERY: exactly-once is not available in this build',
    );
  });

  it('names the variable and the choices for anything else', () => {
    expect(() => deliveryFrom(env({ KAFKA_DELIVERY: 'twice' }), true)).toThrow(
      'KAFKA_DELIVERY: expected one of exactly-once, at-least-once, got "twice"',
    );
  });
});

describe('the kafkajs log bridge', () => {
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
