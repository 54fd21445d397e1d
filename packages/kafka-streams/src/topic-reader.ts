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

/** A record as read from a topic, with its key and value decoded as UTF-8. */
export interface TopicRecord {
  partition: number;
  offset: number;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}

type BatchReader = (partition: number, messages: readonly KafkaMessage[]) => void | Promise<void>;

/**
 * An assigner that hands every listed partition to the (single) member of a private group:
 * kafkajs consumers always belong to a group and have no manual `assign()`, so this is how a
 * reader gets exactly the partitions it asked for.
 */
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

/**
 * Reads the given offset ranges of a topic's partitions, outside any application's consumer
 * group (a private, throw-away group that never commits). `onBatch` sees each partition's
 * messages in offset order, never past `to`; ranges that are empty are skipped. Resolves once
 * every range has been read; rejects if `onBatch` throws, the consumer crashes or `signal`
 * aborts.
 */
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
    // Committed records only: a changelog restore must not apply an aborted batch's changes.
    readUncommitted: false,
  });
  let settle: { resolve: () => void; reject: (err: unknown) => void } | undefined;
  const finished = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  // END_BATCH_PROCESS also fires for batches that held only control records (transaction
  // markers), which never reach eachBatch: progress is tracked here, not in eachBatch.
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
    // Batches fetched for a partition with a pending seek are dropped, so nothing before
    // `from` is delivered even though the group starts from the beginning.
    for (const range of pending.values())
      consumer.seek({ topic, partition: range.partition, offset: String(range.from) });
    await finished;
  } finally {
    options.signal?.removeEventListener('abort', abort);
    await consumer.disconnect();
  }
}

/** End offsets (the next offset to be written) per partition. */
export async function endOffsets(
  admin: Admin,
  topic: string,
): Promise<Map<number, { low: number; high: number }>> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return new Map(offsets.map((o) => [o.partition, { low: Number(o.low), high: Number(o.high) }]));
}

/**
 * Every record a topic holds right now, in offset order per partition. For a compacted topic,
 * take the last value per key: the log may still hold older values the cleaner has not
 * removed yet.
 */
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

/** kafkajs headers (Buffer, string or arrays of them) as plain strings; repeated ones keep the last. */
export function headersOf(message: KafkaMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    const last = Array.isArray(value) ? value.at(-1) : value;
    if (last !== undefined) headers[name] = last.toString();
  }
  return headers;
}
