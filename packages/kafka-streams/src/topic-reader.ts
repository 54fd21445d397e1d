import { randomUUID } from 'node:crypto';
import {
  AssignerProtocol,
  type Admin,
  type Kafka,
  type KafkaMessage,
  type PartitionAssigner,
} from 'kafkajs';

/** Offsets `[from, to)` of one partition. */
export interface PartitionRange {
  partition: number;
  from: number;
  to: number;
}

export interface TopicRecord {
  partition: number;
  offset: number;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}

type BatchReader = (partition: number, messages: readonly KafkaMessage[]) => void | Promise<void>;

/** kafkajs has no manual `assign()`: a private group's single member gets exactly these. */
function fixedAssigner(topic: string, partitions: number[]): PartitionAssigner {
  return () => ({
    name: 'FairflaxFixedAssigner',
    version: 0,
    assign: ({ members }) => {
      const [first] = members;
      const assignment = first
        ? [{ memberId: first.memberId, memberAssignment: encode({ [topic]: partitions }) }]
        : [];
      return Promise.resolve(assignment);
    },
    protocol: ({ topics }) => ({
      name: 'FairflaxFixedAssigner',
      metadata: AssignerProtocol.MemberMetadata.encode({
        version: 0,
        topics,
        userData: Buffer.alloc(0),
      }),
    }),
  });
}

const encode = (assignment: Record<string, number[]>) =>
  AssignerProtocol.MemberAssignment.encode({ version: 0, assignment, userData: Buffer.alloc(0) });

/** Through a throw-away group that never commits; `onBatch` sees offset order, never past `to`. */
export async function readPartitions(
  kafka: Kafka,
  topic: string,
  ranges: readonly PartitionRange[],
  onBatch: BatchReader,
  options: { groupPrefix?: string; signal?: AbortSignal } = {},
): Promise<void> {
  const pending = new Map(ranges.filter((r) => r.from < r.to).map((r) => [r.partition, r]));
  if (pending.size === 0) return;
  options.signal?.throwIfAborted();
  const groupPrefix = options.groupPrefix ?? 'fairflax-reader';
  const consumer = kafka.consumer({
    groupId: `${groupPrefix}-${randomUUID()}`,
    partitionAssigners: [fixedAssigner(topic, [...pending.keys()])],
    allowAutoTopicCreation: false,
    maxWaitTimeInMs: 250,
    // A changelog restore must not apply an aborted batch's changes.
    readUncommitted: false,
  });
  let settle: { resolve: () => void; reject: (err: unknown) => void } | undefined;
  const finished = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  // Also fires for batches of only transaction markers, which never reach eachBatch.
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    const range = pending.get(payload.partition);
    if (range && Number(payload.lastOffset) + 1 >= range.to) pending.delete(payload.partition);
    if (pending.size === 0) settle?.resolve();
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (!payload.restart) settle?.reject(payload.error);
  });
  const abort = () => settle?.reject(options.signal?.reason);
  options.signal?.addEventListener('abort', abort, { once: true });
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const range = pending.get(batch.partition);
        if (!range) return;
        const messages = batch.messages.filter(
          (m) => Number(m.offset) >= range.from && Number(m.offset) < range.to,
        );
        try {
          if (messages.length > 0) await onBatch(batch.partition, messages);
        } catch (err) {
          settle?.reject(err);
          throw err;
        }
      },
    });
    // Batches fetched before a pending seek are dropped: nothing before `from` is delivered.
    for (const range of pending.values())
      consumer.seek({ topic, partition: range.partition, offset: String(range.from) });
    await finished;
  } finally {
    options.signal?.removeEventListener('abort', abort);
    await consumer.disconnect();
  }
}

/** `high` is the next offset to be written. */
export async function endOffsets(
  admin: Admin,
  topic: string,
): Promise<Map<number, { low: number; high: number }>> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return new Map(offsets.map((o) => [o.partition, { low: Number(o.low), high: Number(o.high) }]));
}

/** A compacted topic may still hold older values per key: take the last one. */
export async function readTopic(kafka: Kafka, topic: string): Promise<TopicRecord[]> {
  const admin = kafka.admin();
  await admin.connect();
  let ends: Map<number, { low: number; high: number }>;
  try {
    ends = await endOffsets(admin, topic);
  } finally {
    await admin.disconnect();
  }
  const records: TopicRecord[] = [];
  const ranges = [...ends].map(([partition, { low, high }]) => ({
    partition,
    from: low,
    to: high,
  }));
  await readPartitions(kafka, topic, ranges, (partition, messages) => {
    for (const m of messages) {
      records.push({
        partition,
        offset: Number(m.offset),
        key: m.key?.toString('utf8') ?? null,
        value: m.value?.toString('utf8') ?? null,
        headers: headersOf(m),
      });
    }
  });
  return records.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
}

/** A repeated header keeps its last value. */
export function headersOf(message: KafkaMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    const last = Array.isArray(value) ? value.at(-1) : value;
    if (last !== undefined) headers[name] = last.toString();
  }
  return headers;
}
