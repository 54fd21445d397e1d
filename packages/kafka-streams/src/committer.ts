import type { Message, Producer } from 'kafkajs';

export interface ProcessedBatch {
  /** Grouped by topic, each topic's records in order. */
  records: ReadonlyArray<TopicRecords>;
  /** Partitioned like the input. */
  changelog: TopicRecords;
  /** A group offset already past `fromOffset` means someone else processed part of the batch. */
  input: {
    groupId: string;
    topic: string;
    partition: number;
    fromOffset: number;
    nextOffset: number;
  };
  /** Fails fast in a rebalance; a transactional committer sends the offsets in its transaction. */
  commitInput: () => Promise<void>;
}

export interface TopicRecords {
  topic: string;
  messages: Message[];
}

/** Where the records of a committed batch landed: the first offset per `topic/partition`. */
export type WrittenOffsets = ReadonlyMap<string, number>;

export const topicPartition = (topic: string, partition: number) => `${topic}/${partition}`;

export interface InputPartition {
  topic: string;
  partition: number;
}

/** Local state is applied only after `commit` resolves: never ahead of the changelog. */
export interface BatchCommitter {
  /** On rejection nothing of the batch may be treated as written (it is redelivered). */
  commit(batch: ProcessedBatch): Promise<WrittenOffsets>;
  /** After every rebalance, before the restore: once it resolves, no previous owner can commit. */
  claim?(groupId: string, partitions: readonly InputPartition[]): Promise<void>;
  /** Each batch is a transaction: its commit marker follows its records and takes an offset. */
  readonly transactional?: boolean;
  /** Releases whatever the committer holds (producers, connections); commits fail afterwards. */
  close?(): Promise<void>;
}

export function atLeastOnceCommitter(producer: Producer): BatchCommitter {
  return {
    async commit({ records, changelog, commitInput }) {
      const written = new Map<string, number>();
      const send = async (topicMessages: readonly TopicRecords[]) => {
        const nonEmpty = topicMessages.filter((r) => r.messages.length > 0);
        if (nonEmpty.length === 0) return;
        const metadata = await producer.sendBatch({ topicMessages: [...nonEmpty], acks: -1 });
        for (const m of metadata) {
          if (m.baseOffset !== undefined)
            written.set(topicPartition(m.topicName, m.partition), Number(m.baseOffset));
        }
      };
      // Outputs before the changelog, never in one (non-atomic) request: a changelog ahead of a
      // lost output would keep the re-run from sending it again.
      await send(records);
      await send([changelog]);
      // Fails, and the batch is redelivered, when a rebalance moved the partition away meanwhile.
      await commitInput();
      return written;
    },
  };
}
