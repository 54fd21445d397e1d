import kafkajs, { type Message, type RecordMetadata, type Transaction } from 'kafkajs';
import type { TransactionalProducer, TransactionPorts } from '../src/exactly-once.js';

/** A kafkajs protocol error as the client builds it from a broker's error code. */
export function protocolError(type: string, code: number): Error {
  return new kafkajs.KafkaJSProtocolError(
    Object.assign(new Error(`broker answered ${type}`), { type, code, retriable: code !== 47 }),
  );
}

export type TransactionStep = 'init' | 'sendBatch' | 'sendOffsets' | 'commit' | 'abort';

/** One injected failure: the next call of `step` throws `error` (after taking effect, if `late`). */
interface Failure {
  step: TransactionStep;
  error: Error;
  late?: boolean;
}

/**
 * An in-memory stand-in for the broker's transaction coordinator, enough to drive the
 * exactly-once committer: epochs per transactional id (a newer producer fences older ones),
 * records that become visible on commit only, and transactional group offsets.
 */
export class FakeCoordinator implements TransactionPorts {
  /** What a read_committed reader would see, per topic. */
  readonly visible = new Map<string, Message[]>();
  readonly offsets = new Map<string, number>();
  /** Every call, as `<transactionalId>#<producer number> <step>`, for assertions on retries. */
  readonly calls: string[] = [];
  readonly producers: FakeProducer[] = [];
  private readonly epochs = new Map<string, number>();
  private readonly failures: Failure[] = [];
  private nextOffset = new Map<string, number>();

  createProducer(transactionalId: string): TransactionalProducer {
    const producer = new FakeProducer(this, transactionalId, this.producers.length + 1);
    this.producers.push(producer);
    return producer;
  }

  committedOffset(groupId: string, topic: string, partition: number): Promise<number | undefined> {
    return Promise.resolve(this.offsets.get(`${groupId}/${topic}/${partition}`));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  /** Makes the next `step` fail once; `late` failures happen after the step took effect. */
  failNext(step: TransactionStep, error: Error, options: { late?: boolean } = {}): void {
    this.failures.push({ step, error, late: options.late });
  }

  /** Throws an injected failure for this step, if one is queued and its timing matches. */
  injected(step: TransactionStep, late: boolean): void {
    const index = this.failures.findIndex((f) => f.step === step && (f.late ?? false) === late);
    if (index < 0) return;
    const [failure] = this.failures.splice(index, 1);
    if (failure) throw failure.error;
  }

  initialise(transactionalId: string): number {
    const epoch = (this.epochs.get(transactionalId) ?? 0) + 1;
    this.epochs.set(transactionalId, epoch);
    return epoch;
  }

  checkEpoch(transactionalId: string, epoch: number): void {
    if (this.epochs.get(transactionalId) !== epoch)
      throw protocolError('INVALID_PRODUCER_EPOCH', 47);
  }

  append(topic: string, partition: number, count: number): number {
    const key = `${topic}/${partition}`;
    const base = this.nextOffset.get(key) ?? 0;
    // +1: each transaction leaves a marker behind its records, as on a real broker.
    this.nextOffset.set(key, base + count + 1);
    return base;
  }
}

interface Pending {
  records: Array<{ topic: string; messages: Message[] }>;
  offsets: Array<[string, number]>;
}

export class FakeProducer implements TransactionalProducer {
  connected = false;
  private epoch: number | undefined;
  private open: Pending | undefined;

  constructor(
    private readonly coordinator: FakeCoordinator,
    readonly transactionalId: string,
    readonly number: number,
  ) {}

  private record(step: string): void {
    this.coordinator.calls.push(`${this.transactionalId}#${this.number} ${step}`);
  }

  connect(): Promise<void> {
    this.connected = true;
    return Promise.resolve();
  }

  disconnect(): Promise<void> {
    this.connected = false;
    return Promise.resolve();
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- the kafkajs signature is async
  async transaction(): Promise<Transaction> {
    const { coordinator } = this;
    if (!this.connected) throw new Error('The producer is disconnected');
    if (this.open)
      throw new kafkajs.KafkaJSNonRetriableError(
        'There is already an ongoing transaction for this producer',
      );
    if (this.epoch === undefined) {
      this.record('init');
      coordinator.injected('init', false);
      this.epoch = coordinator.initialise(this.transactionalId);
    }
    const epoch = this.epoch;
    const pending: Pending = { records: [], offsets: [] };
    this.open = pending;
    const step = async <T>(name: TransactionStep, work: () => T): Promise<T> => {
      await Promise.resolve();
      this.record(name);
      if (this.open !== pending)
        throw new kafkajs.KafkaJSNonRetriableError('Cannot continue to use transaction once ended');
      coordinator.injected(name, false);
      coordinator.checkEpoch(this.transactionalId, epoch);
      const result = work();
      coordinator.injected(name, true);
      return result;
    };
    const end = () => {
      this.open = undefined;
    };
    const sendBatch: Transaction['sendBatch'] = ({ topicMessages = [] }) =>
      step('sendBatch', () => {
        const metadata: RecordMetadata[] = [];
        for (const { topic, messages } of topicMessages) {
          pending.records.push({ topic, messages });
          const byPartition = new Map<number, number>();
          for (const m of messages)
            byPartition.set(m.partition ?? 0, (byPartition.get(m.partition ?? 0) ?? 0) + 1);
          for (const [partition, count] of byPartition) {
            const base = coordinator.append(topic, partition, count);
            metadata.push({ topicName: topic, partition, errorCode: 0, baseOffset: String(base) });
          }
        }
        return metadata;
      });
    return {
      sendBatch,
      send: ({ topic, messages }) => sendBatch({ topicMessages: [{ topic, messages }] }),
      sendOffsets: ({ consumerGroupId, topics }) =>
        step('sendOffsets', () => {
          for (const { topic, partitions } of topics)
            for (const { partition, offset } of partitions)
              pending.offsets.push([`${consumerGroupId}/${topic}/${partition}`, Number(offset)]);
        }),
      commit: () =>
        step('commit', () => {
          end();
          for (const { topic, messages } of pending.records)
            coordinator.visible.set(topic, [
              ...(coordinator.visible.get(topic) ?? []),
              ...messages,
            ]);
          for (const [key, offset] of pending.offsets) coordinator.offsets.set(key, offset);
        }),
      abort: () => step('abort', end),
      isActive: () => this.open === pending,
    };
  }
}
