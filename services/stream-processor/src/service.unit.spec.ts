import { hostname } from 'node:os';
import { join } from 'node:path';
import { exactlyOnceAvailable } from '@fairflax/kafka-streams';
import { DEFAULT_DATA_DIR, envReader } from '@fairflax/service-kit';
import { describe, expect, it } from 'vitest';
import { readConfig } from './service.js';

describe('stream processor configuration', () => {
  it('defaults to the local broker, the article topic and a state folder per instance in .data', () => {
    const instanceId = `${hostname()}-${process.pid}`;
    expect(readConfig(envReader({}), true)).toEqual({
      brokers: ['127.0.0.1:9092'],
      applicationId: 'fairflax-stream-processor',
      instanceId,
      stateDir: join(DEFAULT_DATA_DIR, `stream-processor-${instanceId}`),
      articleTopic: 'article',
      statsTopic: 'article-stats',
      partitions: 3,
      sessionTimeoutMs: 30_000,
      heartbeatIntervalMs: 3_000,
      delivery: 'exactly-once',
      metricsPort: 4004,
    });
  });

  it('processes at-least-once only when KAFKA_DELIVERY asks for it, in a build with exactly-once', () => {
    expect(readConfig(envReader({ KAFKA_DELIVERY: 'at-least-once' }), true).delivery).toBe(
      'at-least-once',
    );
    expect(readConfig(envReader({ KAFKA_DELIVERY: ' exactly-once ' }), true).delivery).toBe(
      'exactly-once',
    );
  });

  it('defaults to at-least-once in a build without exactly-once, and refuses to be asked for it there', () => {
    expect(readConfig(envReader({}), false).delivery).toBe('at-least-once');
    expect(readConfig(envReader({ KAFKA_DELIVERY: 'at-least-once' }), false).delivery).toBe(
      'at-least-once',
    );
    expect(() => readConfig(envReader({ KAFKA_DELIVERY: 'exactly-once' }), false)).toThrow(
      expect.objectContaining({
        name: 'ConfigError',
        variable: 'KAFKA_DELIVERY',
        message: expect.stringMatching(/exactly-once is not available/) as unknown,
      }),
    );
  });

  it('defaults to exactly-once exactly when the build has it', () => {
    expect(readConfig(envReader({})).delivery).toBe(
      exactlyOnceAvailable() ? 'exactly-once' : 'at-least-once',
    );
  });

  it('puts KAFKA_TOPIC_PREFIX in front of the shared topics and honours explicit settings', () => {
    const config = readConfig(
      envReader({
        KAFKA_BROKERS: 'k1:9092, k2:9093',
        KAFKA_TOPIC_PREFIX: 'staging.',
        INSTANCE_ID: 'sp-1',
        DATA_DIR: '/var/lib/fairflax',
      }),
    );
    expect(config).toMatchObject({
      brokers: ['k1:9092', 'k2:9093'],
      articleTopic: 'staging.article',
      statsTopic: 'staging.article-stats',
      stateDir: '/var/lib/fairflax/stream-processor-sp-1',
    });
  });

  it.each([
    ['KAFKA_BROKERS', 'localhost'],
    ['KAFKA_BROKERS', '127.0.0.1:9092,'],
    ['INSTANCE_ID', '../elsewhere'],
    ['APPLICATION_ID', 'two words'],
    ['KAFKA_TOPIC_PREFIX', 'a/b'],
    ['KAFKA_SESSION_TIMEOUT_MS', '1000'],
    ['KAFKA_DELIVERY', 'exactly-twice'],
    ['KAFKA_DELIVERY', 'EXACTLY-ONCE'],
    ['STREAM_PROCESSOR_METRICS_PORT', '65536'],
  ])('rejects %s=%s with an error naming the variable', (variable, value) => {
    expect(() => readConfig(envReader({ [variable]: value }))).toThrow(
      expect.objectContaining({ name: 'ConfigError', variable }),
    );
  });
});
