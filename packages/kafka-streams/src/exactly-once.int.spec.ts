import type { Admin, Consumer, Kafka } from 'kafkajs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  connectTestKafka,
  createTopic,
  deleteTestTopics,
  eventually,
  unique,
  type LogEntry,
} from '../test/kafka.js';
import type { ProcessedBatch } from './committer.js';
import {
  exactlyOnceCommitter,
  kafkaTransactionPorts,
  PartitionFencedError,
  transactionalCommitter,
  type ExactlyOnceCommitter,
  type TransactionPorts,
} from './exactly-once.js';
import { clickCounterSuite, clicksOf, REGIONS } from '../test/click-counter.js';
import { readTopic } from './topic-reader.js';

let kafka: Kafka;
let admin: Admin;
const prefixes: string[] = [];
const cleanUps: Array<() => Promise<unknown>> = [];

let unreachable: Error | undefined;
beforeAll(async () => {
  try {
    ({ kafka, admin } = await connectTestKafka());
  } catch (err) {
    unreachable = err instanceof Error ? err : new Error(String(err));
  }
});
// Without a broker every test fails (with the reason), rather than being reported as skipped.
beforeEach(() => {
  if (unreachable) throw unreachable;
});
afterEach(async () => {
  for (const cleanUp of cleanUps.splice(0).reverse()) await cleanUp().catch(() => undefined);
});
afterAll(async () => {
  for (const prefix of prefixes) await deleteTestTopics(admin, prefix);
  await admin?.disconnect();
});

/** Hooks into the real producers' transactions, to fail or hold one at a chosen step. */
interface Hooks {
  beforeCommit?: () => Promise<void> | void;
}

/** kafkajs ports whose transactions call `hooks.beforeCommit` first (not part of the library). */
function hookedPorts(hooks: Hooks): TransactionPorts {
  const real = kafkaTransactionPorts(kafka);
  return {
    ...real,
    createProducer(transactionalId) {
      const producer = real.createProducer(transactionalId);
      return {
        connect: () => producer.connect(),
        disconnect: () => producer.disconnect(),
        async transaction() {
          const transaction = await producer.transaction();
          return {
            ...transaction,
            commit: async () => {
              await hooks.beforeCommit?.();
              await transaction.commit();
            },
          };
        },
      };
    },
  };
}

/** One test's topics: an input partition, an output topic and a changelog, and its group. */
async function scenario() {
  const app = unique('ks-eos');
  prefixes.push(app);
  const names = { input: `${app}-in`, output: `${app}-out`, changelog: `${app}-changelog` };
  await createTopic(admin, names.input, 1);
  await createTopic(admin, names.output, 2);
  await createTopic(admin, names.changelog, 1);
  const groupId = `${app}-count`;
  const claim = [{ topic: names.input, partition: 0 }];
  const committer = (hooks: Hooks = {}) => {
    const created = transactionalCommitter(hookedPorts(hooks));
    cleanUps.push(() => created.close());
    return created;
  };
  /** A batch of input offsets [from, next): one output per input, one changelog entry. */
  const batch = (from: number, next: number, tag = 'v'): ProcessedBatch => ({
    records: [
      {
        topic: names.output,
        messages: Array.from({ length: next - from }, (_, i) => ({
          key: `k${from + i}`,
          value: `${tag}${from + i}`,
        })),
      },
    ],
    changelog: {
      topic: names.changelog,
      messages: [{ key: 'count', value: String(next), partition: 0 }],
    },
    input: { groupId, topic: names.input, partition: 0, fromOffset: from, nextOffset: next },
    commitInput: () => Promise.reject(new Error('not used by a transactional committer')),
  });
  const committedOffset = async () => {
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [names.input] });
    return Number(offsets?.partitions[0]?.offset);
  };
  /** What a read_committed reader sees: values of a topic, in offset order per partition. */
  /**
   * The values a read_committed reader sees, once it sees at least `expected` of them. A commit
   * resolves when the coordinator has logged it; the markers that make the records visible are
   * written a moment later, so reading at once can come too early.
   */
  const committedValues = async (topic: string, expected: number) => {
    let values: (string | null)[] = [];
    await eventually(
      `${expected} committed records on ${topic}`,
      async () => {
        values = (await readTopic(kafka, topic)).map((record) => record.value);
        return values.length >= expected;
      },
      15_000,
    ).catch(() => undefined); // the assertion on what was read reports it
    return values;
  };
  return { app, names, groupId, claim, committer, batch, committedOffset, committedValues };
}

/** A consumer that keeps every record it can see, from the beginning, in a group of its own. */
async function follow(topic: string, readUncommitted: boolean) {
  const seen: string[] = [];
  const consumer: Consumer = kafka.consumer({
    groupId: unique(`${topic}-follower`),
    readUncommitted,
    maxWaitTimeInMs: 100,
  });
  cleanUps.push(() => consumer.disconnect());
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: ({ message }) => {
      seen.push(message.value?.toString() ?? '');
      return Promise.resolve();
    },
  });
  return seen;
}

/** A promise and the function that settles it: holds a transaction until the test lets it go. */
function gate() {
  let open: () => void = () => {};
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

describe('the exactly-once committer on a real broker', () => {
  it("makes a batch's outputs, changelog records and input offset visible together, at commit", async () => {
    const s = await scenario();
    const hold = gate();
    let held = false;
    let reachedCommit: () => void = () => {};
    const atCommit = new Promise<void>((resolve) => (reachedCommit = resolve));
    const committer = s.committer({
      beforeCommit: async () => {
        if (held) return;
        held = true;
        reachedCommit();
        await hold.opened;
      },
    });
    await committer.claim(s.groupId, s.claim);
    const committed = await follow(s.names.output, false);
    const uncommitted = await follow(s.names.output, true);

    const written = committer.commit(s.batch(0, 3));
    await atCommit;
    // Sent and in the log (a read_uncommitted reader has them), but not committed yet.
    await eventually('the records to reach the log', () => uncommitted.length === 3);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(committed).toEqual([]);
    expect(await s.committedOffset()).toBe(-1);

    hold.open();
    const offsets = await written;
    await eventually('the committed reader to see the batch', () => committed.length === 3);
    expect(committed.sort()).toEqual(['v0', 'v1', 'v2']);
    expect(await s.committedOffset()).toBe(3);
    expect(await s.committedValues(s.names.changelog, 1)).toEqual(['3']);
    // The changelog's base offset, as the task needs it for its checkpoint.
    const changelog = await readTopic(kafka, s.names.changelog);
    expect(offsets.get(`${s.names.changelog}/0`)).toBe(changelog[0]?.offset);
  });

  it('leaves nothing visible and the offset where it was when a transaction fails before its commit, and writes the batch once when it is processed again', async () => {
    const s = await scenario();
    let failures = 0;
    const committer = s.committer({
      beforeCommit: () => {
        // Leaves the transaction open on the broker, as a crash right before EndTxn would.
        if (failures-- > 0) throw new Error('injected failure before commit');
      },
    });
    await committer.claim(s.groupId, s.claim);
    await committer.commit(s.batch(0, 2));

    failures = 1;
    await expect(committer.commit(s.batch(2, 4))).rejects.toThrow(/injected failure/);
    expect(await s.committedOffset()).toBe(2);
    expect(await s.committedValues(s.names.output, 2)).toHaveLength(2);
    expect(await s.committedValues(s.names.changelog, 1)).toEqual(['2']);
    // The records did reach the log: they were aborted, not lost on the way.
    const uncommitted = await follow(s.names.output, true);
    await eventually('the aborted records to be seen uncommitted', () => uncommitted.length === 4);

    await committer.commit(s.batch(2, 4));
    expect((await s.committedValues(s.names.output, 4)).sort()).toEqual(['v0', 'v1', 'v2', 'v3']);
    expect(await s.committedValues(s.names.changelog, 2)).toEqual(['2', '4']);
    expect(await s.committedOffset()).toBe(4);
  });

  it('retries a transient failure of the commit itself and writes the batch once', async () => {
    const s = await scenario();
    let failures = 1;
    const committer = s.committer({
      beforeCommit: () => {
        if (failures-- > 0)
          throw Object.assign(new Error('injected NOT_COORDINATOR'), {
            type: 'NOT_COORDINATOR_FOR_GROUP',
            code: 16,
          });
      },
    });
    await committer.claim(s.groupId, s.claim);
    await committer.commit(s.batch(0, 3));
    expect((await s.committedValues(s.names.output, 3)).sort()).toEqual(['v0', 'v1', 'v2']);
    expect(await s.committedOffset()).toBe(3);
  });

  it('fences the previous owner of a partition: its open transaction is aborted and its commits are refused', async () => {
    const s = await scenario();
    const hold = gate();
    let reachedCommit: () => void = () => {};
    const atCommit = new Promise<void>((resolve) => (reachedCommit = resolve));
    let holdNext = false;
    const zombie: ExactlyOnceCommitter = s.committer({
      beforeCommit: async () => {
        if (!holdNext) return;
        reachedCommit();
        await hold.opened;
      },
    });
    await zombie.claim(s.groupId, s.claim);
    await zombie.commit(s.batch(0, 1, 'zombie-'));
    holdNext = true;
    const late = zombie.commit(s.batch(1, 3, 'zombie-'));
    await atCommit;

    const owner = s.committer();
    await owner.claim(s.groupId, s.claim);
    hold.open();
    await expect(late).rejects.toBeInstanceOf(PartitionFencedError);
    await expect(zombie.commit(s.batch(1, 3, 'zombie-'))).rejects.toThrow(/fenced/);

    await owner.commit(s.batch(1, 3, 'owner-'));
    expect((await s.committedValues(s.names.output, 3)).sort()).toEqual([
      'owner-1',
      'owner-2',
      'zombie-0',
    ]);
    expect(await s.committedOffset()).toBe(3);
  });
});

describe('a stream app running exactly-once on a real broker', () => {
  const suite = clickCounterSuite();
  const stateDir = () => suite.stateDir();

  it('writes each batch of outputs as a transaction, followed by its commit marker, by default', async () => {
    const topology = await suite.clickCounter();
    const log: LogEntry[] = [];
    await topology.start('solo', stateDir(), log);
    await topology.produce(clicksOf('a', 23, REGIONS));
    await topology.settled();
    expect(log.find((e) => e.message === 'stream app started')?.details).toMatchObject({
      processingGuarantee: 'exactly-once',
    });
    const records = await readTopic(suite.kafka, topology.byRegion);
    expect(records).toHaveLength(23);
    const ends = await suite.admin.fetchTopicOffsets(topology.byRegion);
    expect(ends.reduce((n, p) => n + Number(p.high), 0)).toBeGreaterThan(23);
  });

  it(
    'gets its partition back after another producer fenced it, and still counts every click once',
    { timeout: 90_000 },
    async () => {
      const topology = await suite.clickCounter();
      const log: LogEntry[] = [];
      await topology.start('solo', stateDir(), log, 'exactly-once');
      await topology.produce(clicksOf('a', 10, REGIONS));
      await topology.settled();
      // A producer elsewhere takes dedupe's input partitions (as a new owner would): the
      // instance's producers for them are fenced, and it must not write for them any more.
      const intruder = exactlyOnceCommitter(suite.kafka);
      const clicks = [0, 1, 2, 3].map((partition) => ({ topic: topology.clicks, partition }));
      await intruder.claim(`${topology.app}-dedupe`, clicks);
      await intruder.close();

      await topology.produce([...clicksOf('b', 10, REGIONS), ...clicksOf('a', 10, REGIONS)]);
      await topology.settled();
      expect(await topology.output()).toEqual({ north: 4, south: 4, east: 4, west: 4, centre: 4 });
      // The way back: batches of the fenced partitions fail until kafkajs restarts the consumer,
      // whose rejoin claims the partitions again.
      expect(log.filter((e) => e.message === 'partition refused until claimed')).not.toEqual([]);
      expect(
        log.filter((e) => e.message === 'consumer crashed').map((e) => e.details['restart']),
      ).toContain(true);
    },
  );
});
