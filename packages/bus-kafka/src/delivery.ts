import type { BusMessage, RelaySink } from '@fairflax/bus';
import { transactionalSink } from './features.js';
import type { KafkaBus } from './kafka-bus.js';
import type { KafkaLogger } from './options.js';

export interface TransactionalSinkOptions {
  /** Creates the topics and lends its kafkajs client. */
  bus: KafkaBus;
  /**
   * One per event store: a relay that starts with the same id fences the one before it (its
   * open transaction is aborted and its later writes are refused), so two relays of one store
   * can never both write.
   */
  transactionalId: string;
  /**
   * Where the position is committed, as the offset of consumer group `transactionalId` on this
   * one-partition topic (nothing is ever written to it).
   */
  positionTopic: string;
  /**
   * A copy of the position kept outside Kafka, written after each commit, for when Kafka's is
   * missing or stale: a group's offsets expire after the broker's offsets.retention.minutes (7
   * days by default) without a commit, so a relay idle that long would otherwise start over.
   */
  mirror?: { load(): Promise<number> | number; save(position: number): Promise<void> | void };
  logger: KafkaLogger;
  signal: AbortSignal;
  /** Attempts of one batch's transaction on transient coordinator errors (default 8). */
  attempts?: number;
}

export interface ClosableRelaySink extends RelaySink {
  close(): Promise<void>;
  write(batch: ReadonlyMap<string, readonly BusMessage[]>, position: number): Promise<void>;
}

export type TransactionalSinkFactory = (options: TransactionalSinkOptions) => ClosableRelaySink;

/** Whether this build holds the exactly-once relay (see features.ts). */
export function exactlyOnceAvailable(): boolean {
  return transactionalSink !== undefined;
}

export function createTransactionalSink(options: TransactionalSinkOptions): ClosableRelaySink {
  if (!transactionalSink)
    throw new Error(
      'the exactly-once relay is not available: this build has no transactional sink',
    );
  return transactionalSink(options);
}
