import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { FakeCoordinator, protocolError } from '../test/fake-transactions.js';
import { recordingLogger, type LogEntry } from '../test/kafka.js';
import type { ProcessedBatch } from './committer.js';
import { PartitionFencedError, transactionalCommitter } from './exactly-once.js';

const GROUP = 'app-count';

/** A batch of input partition 0 (offsets from..next-1) writing one output record per input and a changelog entry. */
function batchOf(from: number, next: number): ProcessedBatch {
  const outputs = Array.from({ length: next - from }, (_, i) => ({
    key: `k${from + i}`,
    value: `v${from + i}`,
  }));
  return {
    records: [{ topic: 'out', messages: outputs }],
    changelog: { topic: 'changelog', messages: [{ key: 'n', value: String(next), partition: 0 }] },
    input: { groupId: GROUP, topic: 'in', partition: 0, fromOffset: from, nextOffset: next },
    commitInput: () =>
      Promise.reject(new Error('a transactional committer must not use the consumer')),
  };
}

const values = (coordinator: FakeCoordinator, topic: string) =>
  (coordinator.visible.get(topic) ?? []).map((m) => m.value);

function setUp(options: { retries?: number } = {}) {
  const coordinator = new FakeCoordinator();
  const log: LogEntry[] = [];
  const committer = transactionalCommitter(coordinator, {
    initialBackoffMs: 1,
    maxBackoffMs: 4,
    logger: recordingLogger(log),
    ...options,
  });
  const retried = () =>
    log.filter((e) => e.message === 'transaction failed, retrying').map((e) => e.details);
  return { coordinator, committer, log, retried };
}

describe('the exactly-once committer (fake coordinator)', () => {
  it('makes records and the input offset visible together, and reports where the records landed', async () => {
    const { coordinator, committer } = setUp();
    await committer.claim(GROUP, [{ topic: 'in', partition: 0 }]);
    expect(values(coordinator, 'out')).toEqual([]);
    const written = await committer.commit(batchOf(0, 2));
    const second = await committer.commit(batchOf(2, 3));
    expect(values(coordinator, 'out')).toEqual(['v0', 'v1', 'v2']);
    expect(coordinator.offsets.get(`${GROUP}/in/0`)).toBe(3);
    // Each transaction's marker takes an offset after its records.
    expect([...written]).toEqual([
      ['out/0', 0],
      ['changelog/0', 0],
    ]);
    expect([...second]).toEqual([
      ['out/0', 3],
      ['changelog/0', 2],
    ]);
  });

  it('aborts a transaction hit by CONCURRENT_TRANSACTIONS and runs the whole batch again', async () => {
    const { coordinator, committer, retried } = setUp();
    coordinator.failNext('sendOffsets', protocolError('CONCURRENT_TRANSACTIONS', 51));
    await committer.commit(batchOf(0, 2));
    expect(values(coordinator, 'out')).toEqual(['v0', 'v1']);
    expect(coordinator.offsets.get(`${GROUP}/in/0`)).toBe(2);
    expect(retried()).toEqual([
      expect.objectContaining({ stage: 'send', type: 'CONCURRENT_TRANSACTIONS', attempt: 1 }),
    ]);
    const steps = coordinator.calls.map((call) => call.split(' ')[1]);
    // init + abort open the producer; then the failed try, its abort, and the full retry.
    expect(steps).toEqual([
      'init',
      'abort',
      'sendBatch',
      'sendOffsets',
      'abort',
      'sendBatch',
      'sendOffsets',
      'commit',
    ]);
  });

  it('replaces the producer when the abort fails too, and checks the group offset before going on', async () => {
    const { coordinator, committer } = setUp();
    await committer.claim(GROUP, [{ topic: 'in', partition: 0 }]);
    coordinator.failNext('sendBatch', protocolError('NOT_COORDINATOR_FOR_GROUP', 16));
    coordinator.failNext('abort', protocolError('NOT_COORDINATOR_FOR_GROUP', 16));
    await committer.commit(batchOf(0, 2));
    expect(values(coordinator, 'out')).toEqual(['v0', 'v1']);
    expect(coordinator.producers.map((p) => p.connected)).toEqual([false, true]);
  });

  it('settles a commit that failed after taking effect without writing the batch again', async () => {
    const { coordinator, committer } = setUp();
    await committer.claim(GROUP, [{ topic: 'in', partition: 0 }]);
    coordinator.failNext('commit', new kafkajs.KafkaJSConnectionError('Connection closed'), {
      late: true,
    });
    const written = await committer.commit(batchOf(0, 2));
    expect(values(coordinator, 'out')).toEqual(['v0', 'v1']);
    expect([...written]).toEqual([
      ['out/0', 0],
      ['changelog/0', 0],
    ]);
    expect(coordinator.calls.filter((c) => c.endsWith('sendBatch'))).toHaveLength(1);
  });

  it('settles a commit that failed before taking effect by running the batch again', async () => {
    const { coordinator, committer } = setUp();
    await committer.claim(GROUP, [{ topic: 'in', partition: 0 }]);
    coordinator.failNext('commit', protocolError('COORDINATOR_LOAD_IN_PROGRESS', 14));
    await committer.commit(batchOf(0, 2));
    expect(values(coordinator, 'out')).toEqual(['v0', 'v1']);
    expect(coordinator.calls.filter((c) => c.endsWith('sendBatch'))).toHaveLength(2);
    expect(coordinator.offsets.get(`${GROUP}/in/0`)).toBe(2);
  });

  it('rejects a fenced batch at once, and refuses the partition until it is claimed again', async () => {
    const { coordinator, committer } = setUp();
    await committer.claim(GROUP, [{ topic: 'in', partition: 0 }]);
    await committer.commit(batchOf(0, 1));
    // Another instance takes the partition over (same transactional id, newer epoch).
    const other = transactionalCommitter(coordinator);
    await other.claim(GROUP, [{ topic: 'in', partition: 0 }]);
    const sendsBefore = coordinator.calls.filter((c) => c.endsWith('sendBatch')).length;

    await expect(committer.commit(batchOf(1, 2))).rejects.toBeInstanceOf(PartitionFencedError);
    await expect(committer.commit(batchOf(1, 2))).rejects.toThrow(/fenced by a newer producer/);
    expect(coordinator.calls.filter((c) => c.endsWith('sendBatch')).length).toBe(sendsBefore + 1);
    expect(coordinator.producers[0]?.connected).toBe(false);
    expect(values(coordinator, 'out')).toEqual(['v0']);

    await other.commit(batchOf(1, 2));
    await committer.claim(GROUP, [{ topic: 'in', partition: 0 }]);
    await committer.commit(batchOf(2, 3));
    expect(values(coordinator, 'out')).toEqual(['v0', 'v1', 'v2']);
  });

  it('does not retry an error it does not know to be transient', async () => {
    const { coordinator, committer, retried } = setUp();
    await committer.claim(GROUP, [{ topic: 'in', partition: 0 }]);
    coordinator.failNext('sendBatch', protocolError('MESSAGE_TOO_LARGE', 10));
    await expect(committer.commit(batchOf(0, 2))).rejects.toThrow(/MESSAGE_TOO_LARGE/);
    expect(retried()).toEqual([]);
    expect(coordinator.calls.at(-1)).toMatch(/ abort$/);
    await committer.commit(batchOf(0, 2));
    expect(values(coordinator, 'out')).toEqual(['v0', 'v1']);
  });

  it('gives up after its retries, with backoff doubling up to the cap', async () => {
    const { coordinator, committer, retried } = setUp({ retries: 4 });
    await committer.claim(GROUP, [{ topic: 'in', partition: 0 }]);
    for (let i = 0; i < 5; i++)
      coordinator.failNext('sendOffsets', protocolError('CONCURRENT_TRANSACTIONS', 51));
    await expect(committer.commit(batchOf(0, 2))).rejects.toThrow(/CONCURRENT_TRANSACTIONS/);
    expect(retried().map((d) => d['pause'])).toEqual([1, 2, 4, 4]);
    expect(values(coordinator, 'out')).toEqual([]);
    expect(coordinator.offsets.get(`${GROUP}/in/0`)).toBeUndefined();
  });

  it('runs one transaction at a time per partition, in call order', async () => {
    const { coordinator, committer } = setUp();
    await committer.claim(GROUP, [{ topic: 'in', partition: 0 }]);
    // The fake refuses a second open transaction on a producer, as kafkajs does.
    await Promise.all([committer.commit(batchOf(0, 1)), committer.commit(batchOf(1, 2))]);
    expect(values(coordinator, 'out')).toEqual(['v0', 'v1']);
    expect(coordinator.offsets.get(`${GROUP}/in/0`)).toBe(2);
  });

  it('refuses a batch the group has already moved past when it opens a producer by itself', async () => {
    const { coordinator, committer } = setUp();
    coordinator.offsets.set(`${GROUP}/in/0`, 5);
    await expect(committer.commit(batchOf(3, 6))).rejects.toThrow(
      /the group is at 5, past this batch \(3\)/,
    );
    expect(values(coordinator, 'out')).toEqual([]);
  });

  it('releases the producers of partitions a claim no longer lists', async () => {
    const { coordinator, committer } = setUp();
    await committer.claim(GROUP, [
      { topic: 'in', partition: 0 },
      { topic: 'in', partition: 1 },
    ]);
    await committer.claim(GROUP, [{ topic: 'in', partition: 1 }]);
    const connected = coordinator.producers
      .filter((p) => p.connected)
      .map((p) => p.transactionalId);
    expect(connected).toEqual([`${GROUP}-in-1`]);
    await committer.close();
    expect(coordinator.producers.some((p) => p.connected)).toBe(false);
    await expect(committer.commit(batchOf(0, 1))).rejects.toThrow(/closed/);
  });
});
