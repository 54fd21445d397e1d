import type { Message, Producer } from 'kafkajs';

/** What processing one input batch produced: records to write, and the input position behind them. */
export interface ProcessedBatch {
  /** Output and repartition records, grouped by topic, each topic's records in order. */
  records: ReadonlyArray<TopicRecords>;
  /** The state changes of the batch, for the task's changelog (partitioned like the input). */
  changelog: TopicRecords;
  /**
   * The consumer group position to commit once the records are durable (`nextOffset`, the last
   * offset of the batch + 1), and where the batch started (`fromOffset`, the offset of its first
   * processed record): a group offset already past `fromOffset` means someone else processed
   * part of the batch.
   */
  input: {
    groupId: string;
    topic: string;
    partition: number;
    fromOffset: number;
    nextOffset: number;
  };
  /**
   * Commits `input` through the consumer's own group session (kafkajs' eachBatch commit, which
   * fails fast when a rebalance is under way). A transactional committer ignores it and sends
   * the offsets inside its transaction instead.
   */
  commitInput: () => Promise<void>;
}

export interface TopicRecords {
  topic: string;
  messages: Message[];
}

/** Where the records of a committed batch landed: the first offset per `topic/partition`. */
export type WrittenOffsets = ReadonlyMap<string, number>;

export const topicPartition = (topic: string, partition: number) => `${topic}/${partition}`;

/** An input partition of a task, as the group assigned it. */
export interface InputPartition {
  topic: string;
  partition: number;
}

/**
 * The one place where a task's results become visible: it writes a batch's records and
 * changelog and commits the input offset. Local state is applied only after `commit`
 * resolves, so a crash in between leaves the local store behind the changelog (and it is
 * restored on the next start), never ahead of it.
 *
 * The at-least-once committer below writes the outputs, then the changelog, then commits the
 * offset, each step only once the one before is acknowledged (acks=all): a crash anywhere
 * re-processes the batch, duplicating outputs, and never loses one. The exactly-once committer
 * (exactly-once.ts) does all three inside one Kafka transaction, with read_committed consumers
 * downstream.
 */
export interface BatchCommitter {
  /**
   * Resolves once every record is acknowledged and the offset committed; rejects otherwise, and
   * then nothing of the batch may be treated as written (the batch is redelivered).
   */
  commit(batch: ProcessedBatch): Promise<WrittenOffsets>;
  /**
   * Called after every rebalance, before the task restores its state, with the input partitions
   * of group `groupId` that this instance now holds. A committer that fences (exactly-once)
   * takes the partitions over here: once it resolves, no previous owner can still commit for
   * them, so the changelogs and the group's offsets the task reads next are final. Partitions
   * of the group not listed any more are released.
   */
  claim?(groupId: string, partitions: readonly InputPartition[]): Promise<void>;
  /**
   * True when each batch is a Kafka transaction: in every partition it wrote to, the broker
   * appends a commit marker after its records, which takes an offset.
   */
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
      // Outputs first. One produce request is not atomic: a failure can leave some partitions
      // written and others not. Were the changelog in the same request, it could record a state
      // (say "this article is counted") whose output never reached the log; the batch, processed
      // again from that restored state, would then not send it again, and it would be lost.
      await send(records);
      await send([changelog]);
      // Fails (and the batch is redelivered to the partition's owner) when a rebalance moved
      // the partition away meanwhile: the generation in the request is no longer current.
      await commitInput();
      return written;
    },
  };
}
