import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import kafkajs, { type Admin, type IHeaders, type Kafka } from 'kafkajs';
import {
  dedicatedBroker,
  ensureKafka,
  stopKafka,
  type DedicatedBroker,
} from '@fairflax/kafka-broker';
import { BrokerLock } from './broker-lock.js';

// kafkajs is CommonJS: its classes come off the default export under Node's ESM loader.
const { Kafka: KafkaClient, logLevel } = kafkajs;

/** Its own broker, since the crash test restarts it mid-run; CRASH_KAFKA_PORT moves it. */
export const CRASH_BROKER: DedicatedBroker = dedicatedBroker('CRASH_KAFKA_PORT', 9392);

const brokerLock = new BrokerLock(
  join(tmpdir(), `fairflax-crash-broker-${CRASH_BROKER.port}.lock`),
  `the crash test's broker on 127.0.0.1:${CRASH_BROKER.port}`,
);

/** For this process alone: a concurrent crash test fails here rather than lose its broker. */
export async function startCrashBroker(): Promise<string[]> {
  brokerLock.acquire();
  const { brokers } = await ensureKafka(CRASH_BROKER);
  return brokers;
}

/** Drops the broker's data unless KAFKA_KEEP_DATA=1. */
export async function stopCrashBroker(): Promise<void> {
  if (!brokerLock.held) return;
  await stopKafka(CRASH_BROKER);
  brokerLock.release();
}

export interface LogRecord {
  topic: string;
  partition: number;
  offset: number;
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

export function kafkaClient(brokers: readonly string[]): Kafka {
  // The broker restart makes kafkajs log connection errors it recovers from: not our findings.
  return new KafkaClient({
    clientId: 'fairflax-crash-test',
    brokers: [...brokers],
    logLevel: logLevel.NOTHING,
  });
}

export async function withAdmin<T>(kafka: Kafka, use: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await use(admin);
  } finally {
    await admin.disconnect();
  }
}

/**
 * Every record up to each partition's current high watermark, read_committed (kafkajs' default),
 * as a downstream consumer of an exactly-once producer sees them.
 */
export async function readTopics(
  kafka: Kafka,
  topics: readonly string[],
  timeoutMs = 60_000,
): Promise<LogRecord[]> {
  const ends = await withAdmin(kafka, async (admin) => {
    const existing = new Set(await admin.listTopics());
    const result = new Map<string, number>();
    for (const topic of topics.filter((t) => existing.has(t))) {
      for (const { partition, high, low } of await admin.fetchTopicOffsets(topic)) {
        if (Number(high) > Number(low)) result.set(`${topic}/${partition}`, Number(high));
      }
    }
    return result;
  });
  const records: LogRecord[] = [];
  if (ends.size === 0) return records;
  const groupId = `fairflax-crash-reader-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 250, allowAutoTopicCreation: false });
  const pending = new Set(ends.keys());
  let settle: { resolve: () => void; reject: (err: Error) => void } | undefined;
  const finished = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  // Also fires for marker-only batches eachBatch never sees: a partition ending in one still ends.
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    const key = `${payload.topic}/${payload.partition}`;
    if (Number(payload.lastOffset) + 1 >= (ends.get(key) ?? 0)) pending.delete(key);
    if (pending.size === 0) settle?.resolve();
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (!payload.restart) settle?.reject(payload.error);
  });
  const timer = setTimeout(
    () =>
      settle?.reject(
        new Error(
          `reading ${topics.join(', ')} timed out after ${timeoutMs} ms; unfinished: ${[...pending].join(', ')}`,
        ),
      ),
    timeoutMs,
  );
  try {
    await consumer.connect();
    const withRecords = new Set([...ends.keys()].map((key) => key.slice(0, key.lastIndexOf('/'))));
    await consumer.subscribe({ topics: [...withRecords], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: ({ batch }) => {
        const end = ends.get(`${batch.topic}/${batch.partition}`) ?? 0;
        for (const m of batch.messages) {
          const offset = Number(m.offset);
          if (offset >= end) continue;
          records.push({
            topic: batch.topic,
            partition: batch.partition,
            offset,
            key: m.key?.toString('utf8') ?? null,
            value: m.value,
            headers: headersOf(m.headers),
          });
        }
        return Promise.resolve();
      },
    });
    await finished;
  } finally {
    clearTimeout(timer);
    await consumer.disconnect();
    await withAdmin(kafka, (admin) => admin.deleteGroups([groupId])).catch(() => undefined);
  }
  return records.sort(
    (a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition || a.offset - b.offset,
  );
}

function headersOf(headers: IHeaders | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const last = Array.isArray(value) ? value.at(-1) : value;
    if (last !== undefined) result[name] = last.toString();
  }
  return result;
}

/** The next offset the group will read, per partition; absent when none. */
export async function committedOffsets(
  admin: Admin,
  groupId: string,
  topic: string,
): Promise<Map<number, number>> {
  const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
  const result = new Map<number, number>();
  for (const { partition, offset } of offsets?.partitions ?? []) {
    if (Number(offset) >= 0) result.set(partition, Number(offset));
  }
  return result;
}

/** Deletes the run's topics and consumer groups, so runs do not pile up on a shared broker. */
export async function deleteRunArtifacts(
  kafka: Kafka,
  topicPrefix: string,
  runTag: string,
): Promise<void> {
  await withAdmin(kafka, async (admin) => {
    const { groups } = await admin.listGroups();
    const ours = groups
      .map((g) => g.groupId)
      .filter((id) => id.startsWith(topicPrefix) || id.includes(runTag));
    if (ours.length > 0) await admin.deleteGroups(ours).catch(() => undefined);
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(topicPrefix));
    if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 30_000 });
  });
}
