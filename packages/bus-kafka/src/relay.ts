import { aggregateOf, atLeastOnceSink, relayToSink, type RelaySink } from '@fairflax/bus';
import type { EventStore, RelayCheckpoint } from '@fairflax/event-store';
import {
  consoleLogger,
  deliveryFrom,
  kafkaConnection,
  partitionsFrom,
  type DeliveryGuarantee,
  type KafkaLogger,
} from '@fairflax/kafka-kit';
import type { EnvReader } from '@fairflax/service-kit';
import { sleep } from './clients.js';
import { KafkaBus } from './kafka-bus.js';
import { createTransactionalSink, exactlyOnceAvailable } from './delivery.js';

export interface KafkaRelayOptions {
  /** The articles event store. */
  store: EventStore;
  /** Articles' own copy of the last position published (the position itself at-least-once). */
  checkpoint: RelayCheckpoint;
  /** KAFKA_BROKERS, KAFKA_TOPIC_PREFIX, KAFKA_PARTITIONS, KAFKA_LOG_LEVEL, KAFKA_DELIVERY. */
  env: EnvReader;
  logger?: KafkaLogger;
  /** Stops the relay; `stopped` resolves once it has. */
  signal: AbortSignal;
  /** Delay before retrying after a failure: doubles from `initialMs` (500) up to `maxMs` (10_000). */
  retryBackoff?: { initialMs?: number; maxMs?: number };
  /** How long one publish keeps retrying before the relay counts a failure (default 60_000). */
  publishTimeoutMs?: number;
}

export interface KafkaRelayStatus {
  brokers: string[];
  delivery: DeliveryGuarantee;
  /** Last global position published and checkpointed by this run. */
  position: number;
  /** False from a failure until the next batch goes through. */
  healthy: boolean;
  lastError: string | undefined;
}

export interface KafkaRelay {
  /** Resolves once the relay has stopped (after `signal` aborted); never rejects. */
  stopped: Promise<void>;
  status(): KafkaRelayStatus;
}

/**
 * Relays the articles event store to Kafka, one topic per aggregate, keyed by stream id.
 * Exactly-once (the default) writes each batch and the new position in one transaction;
 * at-least-once saves the checkpoint after publishing, so a crash between publishes the batch
 * again. While brokers are unreachable it backs off and resumes: commands never fail on Kafka.
 */
export function startKafkaRelay(options: KafkaRelayOptions): KafkaRelay {
  const { store, checkpoint, env, signal } = options;
  const logger = options.logger ?? consoleLogger;
  const { brokers, topicPrefix: prefix, logLevel } = kafkaConnection(env);
  const delivery = deliveryFrom(env, exactlyOnceAvailable());
  const bus = new KafkaBus({
    brokers,
    clientId: 'fairflax-articles-relay',
    partitions: partitionsFrom(env),
    logLevel,
    logger,
    publishTimeoutMs: options.publishTimeoutMs,
  });
  const initialMs = options.retryBackoff?.initialMs ?? 500;
  const maxMs = options.retryBackoff?.maxMs ?? 10_000;
  const sink: RelaySink & { close?: () => Promise<void> } =
    delivery === 'exactly-once'
      ? createTransactionalSink({
          bus,
          transactionalId: `${prefix}fairflax-articles-relay`,
          positionTopic: `${prefix}fairflax-articles-relay-position`,
          mirror: checkpoint,
          logger,
          signal,
        })
      : atLeastOnceSink(bus, checkpoint);
  const status: KafkaRelayStatus = {
    brokers,
    delivery,
    position: 0,
    healthy: true,
    lastError: undefined,
  };
  // Closing the bus at once makes a publish that is waiting for the brokers give up.
  const onAbort = () => void bus.close();
  signal.addEventListener('abort', onAbort, { once: true });

  const run = async () => {
    for (let failures = 0; !signal.aborted;) {
      try {
        await relayToSink(store, sink, {
          signal,
          topicOf: (streamId) => prefix + aggregateOf(streamId),
          onRelayed: (position) => {
            status.position = position;
            if (!status.healthy) logger.info({ position }, 'Kafka relay recovered');
            status.healthy = true;
            status.lastError = undefined;
            failures = 0;
          },
        });
      } catch (err) {
        if (signal.aborted) break;
        failures++;
        const delayMs = Math.min(initialMs * 2 ** (failures - 1), maxMs);
        status.healthy = false;
        status.lastError = err instanceof Error ? err.message : String(err);
        logger.error(
          { err, failures, retryInMs: delayMs },
          'Kafka relay failed; resuming from its checkpoint',
        );
        await sleep(delayMs, signal);
      }
    }
    signal.removeEventListener('abort', onAbort);
    await sink.close?.();
    await bus.close();
  };
  const stopped = run().catch((err: unknown) => {
    logger.error({ err }, 'Kafka relay stopped on an unexpected error');
  });
  return { stopped, status: () => ({ ...status }) };
}
