import type { BusMessage, RelaySink } from '@fairflax/bus';
import { transactionalSink } from './features.js';
import type { KafkaBus } from './kafka-bus.js';
import type { KafkaLogger } from '@fairflax/kafka-kit';

export interface TransactionalSinkOptions {
  /** Creates the topics and lends its kafkajs client. */
  bus: KafkaBus;
  /** One per event store: a relay starting with the same id fences the one before it. */
  transactionalId: string;
  /** The position is consumer group `transactionalId`'s offset on this topic (never written to). */
  positionTopic: string;
  /**
   * A copy of the position outside Kafka, for when Kafka's is stale or expired (a group's
   * offsets expire after offsets.retention.minutes without a commit).
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
