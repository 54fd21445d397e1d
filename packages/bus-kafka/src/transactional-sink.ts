import type { BusMessage } from '@fairflax/bus';
import { classifyTransactionError, TRANSACTIONAL_PRODUCER_RETRY } from '@fairflax/kafka-kit';
import { Partitioners, type Admin, type Producer, type TopicMessages } from 'kafkajs';
import { connecting, sleep, type Connecting } from './clients.js';
import type { ClosableRelaySink, TransactionalSinkOptions } from './delivery.js';
import { toRecord } from './records.js';

/**
 * The exactly-once relay sink: a batch's messages and the relay's new position (a consumer
 * group offset sent with `sendOffsets`) are one Kafka transaction, so a relay that crashes
 * anywhere resumes after the last committed batch and nothing is written twice (as KIP-618).
 */
export class TransactionalRelaySink implements ClosableRelaySink {
  private producer: Connecting<Producer> | undefined;
  private admin: Connecting<Admin> | undefined;
  private readonly attempts: number;

  constructor(private readonly options: TransactionalSinkOptions) {
    this.attempts = options.attempts ?? 8;
  }

  /** Starts (fencing any earlier relay with this id), then reads the committed position. */
  async position(): Promise<number> {
    const { bus, transactionalId, positionTopic } = this.options;
    await this.close();
    await bus.ensureTopic(positionTopic, 1);
    // Fence first, read second: kafkajs runs the transactional InitProducerId, which aborts an
    // earlier relay's open transaction, only when a transaction begins, so an empty one fences.
    // Reading before the fence would let the other relay commit batches this one then writes again.
    const producer = await this.connectedProducer().ready;
    await (await producer.transaction()).abort();
    this.admin = connecting(bus.client.admin());
    const admin = await this.admin.ready;
    const [offsets] = await admin.fetchOffsets({
      groupId: transactionalId,
      topics: [positionTopic],
    });
    const committed = Number(offsets?.partitions.find((p) => p.partition === 0)?.offset ?? -1);
    const mirrored = Number((await this.options.mirror?.load()) ?? 0);
    if (committed < 0 && mirrored > 0)
      this.options.logger.warn(
        { transactionalId, position: mirrored },
        'Kafka holds no relay position (new cluster, or expired offsets); resuming from the local copy',
      );
    // The copy is written only after a commit, so it is never ahead of the truth, only of a stale
    // answer: kafkajs cannot ask for stable offsets (KIP-447), and they land just after a commit.
    return Math.max(committed, mirrored);
  }

  async write(batch: ReadonlyMap<string, readonly BusMessage[]>, position: number): Promise<void> {
    const { bus, transactionalId, positionTopic, logger, signal } = this.options;
    await Promise.all([...batch.keys()].map((topic) => bus.ensureTopic(topic)));
    const topicMessages: TopicMessages[] = [...batch].map(([topic, messages]) => ({
      topic,
      messages: messages.map(toRecord),
    }));
    const producer = await this.connectedProducer().ready;
    for (let attempt = 1; ; attempt++) {
      const transaction = await producer.transaction();
      let committing = false;
      try {
        await transaction.sendBatch({ topicMessages, acks: -1 });
        await transaction.sendOffsets({
          consumerGroupId: transactionalId,
          topics: [
            { topic: positionTopic, partitions: [{ partition: 0, offset: String(position) }] },
          ],
        });
        committing = true;
        await transaction.commit();
        break;
      } catch (err) {
        // A failed commit may still have happened: only a new producer's InitProducerId, then a
        // read of the position, tells which.
        if (!committing && transaction.isActive()) await transaction.abort().catch(() => undefined);
        const retry = !committing && !signal.aborted && attempt < this.attempts;
        // Fenced or fatal: the relay loop starts a new producer, which reads the position again.
        if (!retry || classifyTransactionError(err) !== 'transient') {
          await this.close();
          throw err;
        }
        const delayMs = Math.min(100 * 2 ** (attempt - 1), 3_000);
        logger.warn(
          { err, attempt, retryInMs: delayMs },
          'Kafka relay transaction failed; retrying it',
        );
        await sleep(delayMs, signal);
      }
    }
    await this.options.mirror?.save(position);
  }

  async close(): Promise<void> {
    const clients = [this.producer?.client, this.admin?.client].filter((c) => c !== undefined);
    this.producer = this.admin = undefined;
    await Promise.all(clients.map((c) => c.disconnect().catch(() => undefined)));
  }

  private connectedProducer(): Connecting<Producer> {
    this.producer ??= connecting(
      this.options.bus.client.producer({
        transactionalId: this.options.transactionalId,
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        // The same as KafkaBus.publish: a key lands in the same partition whichever path wrote it.
        createPartitioner: Partitioners.DefaultPartitioner,
        // Long enough for a batch of 500 to be written while the broker is slow.
        transactionTimeout: 60_000,
        retry: TRANSACTIONAL_PRODUCER_RETRY,
      }),
    );
    return this.producer;
  }
}
