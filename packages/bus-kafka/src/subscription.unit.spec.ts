import { scriptedConsumers, type ScriptedConsumers } from '@fairflax/kafka-kit/testing';
import kafkajs, { logLevel } from 'kafkajs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { KafkaBusSettings } from './options.js';
import { KafkaSubscription } from './subscription.js';

const { KafkaJSConnectionError, KafkaJSNonRetriableError } = kafkajs;

function subscriptionOn(consumers: ScriptedConsumers, logged: string[] = []) {
  const settings: KafkaBusSettings = {
    brokers: ['127.0.0.1:9092'],
    clientId: 'test',
    partitions: 1,
    topicConfigs: {},
    logLevel: logLevel.NOTHING,
    logger: {
      info: (_details, message) => void logged.push(message),
      warn: (_details, message) => void logged.push(message),
      error: (_details, message) => void logged.push(message),
    },
    retryDelayMs: () => 100,
    onHandlerError: () => {},
    publishTimeoutMs: 1_000,
    maxWaitTimeMs: 100,
    onConnectionChange: () => {},
  };
  return new KafkaSubscription(
    () => consumers.kafka,
    'articles',
    { group: 'graph' },
    () => Promise.resolve(),
    settings,
    () => {},
  );
}

const unreachable = () => new KafkaJSConnectionError('Connection error: ECONNREFUSED');
const started = ['connect#1', 'subscribe#1', 'run#1'];

describe('a Kafka subscription whose consumer crashed', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it('replaces the consumer half a second after an unreachable broker, 5 s after anything else', async () => {
    const consumers = scriptedConsumers();
    const logged: string[] = [];
    const subscription = subscriptionOn(consumers, logged);
    await subscription.start();

    consumers.crash(unreachable());
    await vi.advanceTimersByTimeAsync(500);
    const replaced = ['disconnect#1', 'connect#2', 'subscribe#2', 'run#2'];
    expect(consumers.calls).toEqual([...started, ...replaced]);

    consumers.crash(new KafkaJSNonRetriableError(new TypeError('x is undefined')));
    await vi.advanceTimersByTimeAsync(4_999);
    expect(consumers.calls).toHaveLength(started.length + replaced.length);
    await vi.advanceTimersByTimeAsync(1);
    expect(consumers.calls.slice(started.length + replaced.length)).toEqual([
      'disconnect#2',
      'connect#3',
      'subscribe#3',
      'run#3',
    ]);
    expect(logged.filter((m) => m === 'KafkaBus: consumer crashed')).toHaveLength(2);
    await subscription.close();
  });

  it('closes without waiting for a replacement that is connecting, which then leaves at once', async () => {
    const consumers = scriptedConsumers();
    const subscription = subscriptionOn(consumers);
    await subscription.start();
    consumers.crash(unreachable());
    const releaseConnect = consumers.holdConnect();
    await vi.advanceTimersByTimeAsync(500);

    await subscription.close();
    const replacing = [...started, 'disconnect#1', 'connect#2'];
    expect(consumers.calls).toEqual([...replacing, 'disconnect#2']);
    releaseConnect();
    await vi.advanceTimersByTimeAsync(60_000);

    // The replacement is disconnected last: a `run` after it would rejoin the group for good.
    expect(consumers.calls).toEqual([...replacing, 'disconnect#2', 'disconnect#2']);
  });

  it('starts no replacement once closed', async () => {
    const consumers = scriptedConsumers();
    const subscription = subscriptionOn(consumers);
    await subscription.start();
    consumers.crash(unreachable());

    await subscription.close();
    await vi.advanceTimersByTimeAsync(60_000);

    expect(consumers.calls).toEqual([...started, 'disconnect#1']);
  });
});
