import kafkajs, { type Admin } from 'kafkajs';
import { scriptedConsumers, type ScriptedConsumers } from '@fairflax/kafka-kit/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LocalStateStore } from './state-store.js';
import { StateNotReadyError, StreamTask } from './stream-task.js';
import { recordingLogger, type LogEntry } from '../test/kafka.js';

const { KafkaJSConnectionError, KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded } =
  kafkajs;

function taskOn(consumer: ScriptedConsumers, log: LogEntry[] = []) {
  const fatal: unknown[] = [];
  const task = new StreamTask(
    { name: 'count', input: 'clicks', outputs: [], process: () => {} },
    {
      kafka: consumer.kafka,
      admin: {} as Admin,
      store: {} as LocalStateStore,
      committer: { commit: () => Promise.reject(new Error('no batches here')) },
      logger: recordingLogger(log),
      applicationId: 'app',
      instanceId: 'one',
      changelog: 'app-count-changelog',
      inputPartitions: 3,
      sessionTimeoutMs: 6_000,
      heartbeatIntervalMs: 500,
      onAssignment: () => {},
      onBatch: () => {},
      onFatalError: (_task, error) => void fatal.push(error),
    },
  );
  return { task, fatal };
}

describe('a stream task whose consumer crashed', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it('starts the consumer again after an unreachable broker, then after retries that ran out', async () => {
    const consumer = scriptedConsumers();
    const log: LogEntry[] = [];
    const { task, fatal } = taskOn(consumer, log);
    await task.start();

    consumer.crash(new KafkaJSConnectionError('Connection error: ECONNREFUSED'));
    await vi.advanceTimersByTimeAsync(500);
    consumer.crash(
      new KafkaJSNumberOfRetriesExceeded(new Error('NOT_COORDINATOR'), {
        retryCount: 5,
        retryTime: 1000,
      }),
    );
    await vi.advanceTimersByTimeAsync(500);

    const start = ['connect#1', 'subscribe#1', 'run#1'];
    expect(consumer.calls).toEqual([...start, 'connect#1', 'run#1', 'connect#1', 'run#1']);
    expect(log.filter((e) => e.message === 'consumer restarted')).toHaveLength(2);
    expect(fatal).toEqual([]);
  });

  it('reports an error kafkajs would not retry as fatal and does not restart', async () => {
    const consumer = scriptedConsumers();
    const { task, fatal } = taskOn(consumer);
    await task.start();
    const bug = new KafkaJSNonRetriableError(new TypeError('x is undefined'));

    consumer.crash(bug);
    await vi.advanceTimersByTimeAsync(60_000);

    expect(consumer.calls).toEqual(['connect#1', 'subscribe#1', 'run#1']);
    expect(fatal).toEqual([bug]);
  });

  it('starts again after a batch found its claim or restore failed, whatever that failure was', async () => {
    const consumer = scriptedConsumers();
    const { task, fatal } = taskOn(consumer);
    await task.start();
    // What the restore's own consumer throws when the broker restart stopped it before its seek.
    const stopped = new KafkaJSNonRetriableError(
      'Consumer group was not initialized, consumer#run must be called first',
    );

    consumer.crash(new StateNotReadyError('count', stopped));
    await vi.advanceTimersByTimeAsync(500);

    expect(consumer.calls).toEqual(['connect#1', 'subscribe#1', 'run#1', 'connect#1', 'run#1']);
    expect(fatal).toEqual([]);
  });

  it('closes without waiting for a restart that is connecting, which then leaves at once', async () => {
    const consumer = scriptedConsumers();
    const { task } = taskOn(consumer);
    await task.start();
    consumer.crash(new KafkaJSConnectionError('Connection error: ECONNREFUSED'));
    const releaseConnect = consumer.holdConnect();
    await vi.advanceTimersByTimeAsync(500);

    await task.close();
    const restarting = ['connect#1', 'subscribe#1', 'run#1', 'connect#1'];
    expect(consumer.calls).toEqual([...restarting, 'disconnect#1']);
    releaseConnect();
    await vi.advanceTimersByTimeAsync(60_000);

    // Disconnected last: a `run` after it would rejoin the group with nobody left to close it.
    expect(consumer.calls).toEqual([...restarting, 'disconnect#1', 'disconnect#1']);
  });

  it('cancels a restart still waiting for its pause when it closes', async () => {
    const consumer = scriptedConsumers();
    const { task } = taskOn(consumer);
    await task.start();
    consumer.crash(new KafkaJSConnectionError('Connection error: ECONNREFUSED'));

    await task.close();
    await vi.advanceTimersByTimeAsync(60_000);

    expect(consumer.calls).toEqual(['connect#1', 'subscribe#1', 'run#1', 'disconnect#1']);
  });
});
