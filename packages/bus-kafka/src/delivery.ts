import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BusMessage, RelaySink } from '@fairflax/bus';
import type { KafkaBus } from './kafka-bus.js';
import type { KafkaLogger } from './options.js';

/**
 * The exactly-once pieces live in modules of their own, loaded only when used: the tutorial's
 * step-2 branch (at-least-once) is generated without them, and still builds and runs.
 */
const TRANSACTIONAL_SINK = './transactional-sink.js';

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

interface TransactionalSinkModule {
  TransactionalRelaySink: new (options: TransactionalSinkOptions) => ClosableRelaySink;
}

/** Whether this build holds the exactly-once relay (source or compiled). */
export function exactlyOnceAvailable(): boolean {
  return ['.ts', '.js'].some((ext) =>
    existsSync(fileURLToPath(new URL(TRANSACTIONAL_SINK.replace(/\.js$/, ext), import.meta.url))),
  );
}

export async function loadTransactionalSink(
  options: TransactionalSinkOptions,
): Promise<ClosableRelaySink> {
  // A specifier in a variable: the compiler must not insist on a module a step may lack.
  const specifier: string = TRANSACTIONAL_SINK;
  const module = (await import(specifier)) as TransactionalSinkModule;
  return new module.TransactionalRelaySink(options);
}
