import { hostname } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_DATA_DIR, envReader } from '@fairflax/service-kit';
import { describe, expect, it } from 'vitest';
import { readConfig } from './service.js';

describe('stream processor configuration', () => {
  it('defaults to the local broker, the article topic and a state folder per instance in .data', () => {
    const instanceId = `${hostname()}-${process.pid}`;
    expect(readConfig(envReader({}))).toEqual({
      brokers: ['127.0.0.1:9092'],
      applicationId: 'fairflax-stream-processor',
      instanceId,
      stateDir: join(DEFAULT_DATA_DIR, `stream-processor-${instanceId}`),
      articleTopic: 'article',
      statsTopic: 'article-stats',
      partitions: 3,
      sessionTimeoutMs: 30_000,
      heartbeatIntervalMs: 3_000,
    });
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
  ])('rejects %s=%s with an error naming the variable', (variable, value) => {
    expect(() => readConfig(envReader({ [variable]: value }))).toThrow(
      expect.objectContaining({ name: 'ConfigError', variable }),
    );
  });
});
