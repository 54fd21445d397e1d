import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { envReader } from '@fairflax/service-kit';
import { describe, expect, it } from 'vitest';
import { groupIdFor, replicaId } from './config.js';
import { exactlyOnceAvailable } from './delivery.js';
import { resolveSettings } from './options.js';

const env = (vars: Record<string, string> = {}) => envReader(vars);

describe('consumer groups of read-service replicas', () => {
  it('names the group after the service and REPLICA_ID', () => {
    expect(groupIdFor('rss', env({ REPLICA_ID: 'eu-2' }))).toBe('fairflax-rss-eu-2');
  });

  it('without REPLICA_ID, derives a stable replica id from DATA_DIR, else the working directory', () => {
    const one = replicaId(env({ DATA_DIR: '/srv/rss-1' }));
    expect(one).toMatch(/^[0-9a-f]{10}$/);
    expect(replicaId(env({ DATA_DIR: '/srv/rss-1' }))).toBe(one);
    expect(replicaId(env({ DATA_DIR: '/srv/rss-2' }))).not.toBe(one);
    expect(replicaId(env(), '/srv/rss-1')).toBe(one);
  });

  it('rejects a REPLICA_ID that cannot be part of a group id', () => {
    expect(() => replicaId(env({ REPLICA_ID: 'a b' }))).toThrow(/^REPLICA_ID/);
  });
});

describe('bus options', () => {
  it('doubles the redelivery delay from initialMs up to maxMs, and rejects bad options by name', () => {
    const { retryDelayMs } = resolveSettings({
      brokers: ['b:1'],
      retryBackoff: { initialMs: 100, maxMs: 500 },
    });
    expect([1, 2, 3, 4, 5].map(retryDelayMs)).toEqual([100, 200, 400, 500, 500]);
    expect(() => resolveSettings({ brokers: [] })).toThrow(/brokers/);
    expect(() => resolveSettings({ brokers: ['b:1'], partitions: 0 })).toThrow(
      'KafkaBus option partitions must be an integer >= 1, got 0',
    );
    expect(() => resolveSettings({ brokers: ['b:1'], retryBackoff: { maxMs: 50 } })).toThrow(
      /KafkaBus option retryBackoff.maxMs/,
    );
  });
});

describe('the package as a transport', () => {
  it('is TRANSPORT=kafka (read side and relay), rejecting bad settings by name', async () => {
    const { kafkaTransport: adapter, startKafkaRelay } = await import('./index.js');
    expect(adapter).toHaveProperty('startRelay', startKafkaRelay);
    const options = { service: 'rss', articlesAddress: '127.0.0.1:50051' };
    await expect(
      adapter.openEventSource({ ...options, env: env({ KAFKA_BROKERS: 'nope' }) }),
    ).rejects.toThrow(/^KAFKA_BROKERS/);
    const source = await adapter.openEventSource({ ...options, env: env({ REPLICA_ID: 'r1' }) });
    expect(source.status()).toEqual({
      transport: 'kafka',
      brokers: ['127.0.0.1:9092'],
      group: 'fairflax-rss-r1',
      topics: ['author', 'article'],
      connected: false,
      reconnects: 0,
    });
    await source.close();
  });

  // features.ts and the files agree: a build that lists the sink holds it, and the other way round.
  it('relays exactly-once by default exactly when this build holds the transactional sink', () => {
    const built = ['.ts', '.js'].some((ext) =>
      existsSync(fileURLToPath(new URL(`./transactional-sink${ext}`, import.meta.url))),
    );
    expect(exactlyOnceAvailable()).toBe(built);
  });
});
