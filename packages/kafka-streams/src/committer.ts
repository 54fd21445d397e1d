import type { Message, Producer } from 'kafkajs';

/** What processing one input batch produced: records to write, and the input position behind them. */
export interface ProcessedBatch {
  /** Output, repartition and changelog records, grouped by topic, each topic's records in order. */
  records: ReadonlyArray<{ topic: string; messages: Message[] }>;
  /** The consumer group position to commit once the records are durable. */
  input: { groupId: string; topic: string; partition: number; nextOffset: number };
  /**
   * Commits `input` through the consumer's own group session (kafkajs' eachBatch commit, which
   * fails fast when a rebalance is under way). A transactional committer ignores it and sends
   * the offsets inside its transaction instead.
   */
  commitInput: () => Promise<void>;
}

/** Where the records of a committed batch landed: the first offset per `topic/partition`. */
export type WrittenOffsets = ReadonlyMap<string, number>;

export const topicPartition = (topic: string, partition: number) => `${topic}/${partition}`;

/**
 * The one place where a task's results become visible: it writes a batch's records and
 * commits the input offset, in that order. Local state is applied only after `commit`
 * resolves, so a crash in between leaves the local store behind the changelog (and it is
 * restored on the next start), never ahead of it.
 *
 * The at-least-once committer below awaits the produce acknowledgements (acks=all), then
 * commits the offset: a crash between the two re-processes the batch, duplicating its records.
 * An exactly-once committer keeps this interface and does both inside one Kafka transaction
 * (`transaction.sendBatch`, `sendOffsets`, `commit`), with read_committed consumers downstream.
 */
export interface BatchCommitter {
  /** Resolves once every record is acknowledged and the offset committed; rejects otherwise (nothing is retried here). */
  commit(batch: ProcessedBatch): Promise<WrittenOffsets>;
}

export function atLeastOnceCommitter(producer: Producer): BatchCommitter {
  return {
    async commit({ records, commitInput }) {
      const written = new Map<string, number>();
      const nonEmpty = records.filter((r) => r.messages.length > 0);
      if (nonEmpty.length > 0) {
        const metadata = await producer.sendBatch({ topicMessages: [...nonEmpty], acks: -1 });
        for (const m of metadata) {
          if (m.baseOffset !== undefined)
            written.set(topicPartition(m.topicName, m.partition), Number(m.baseOffset));
        }
      }
      // Fails (and the batch is redelivered to the partition's owner) when a rebalance moved
      // the partition away meanwhile: the generation in the request is no longer current.
      await commitInput();
      return written;
    },
  };
}
