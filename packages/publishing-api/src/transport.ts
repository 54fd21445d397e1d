import type { RelayCheckpoint } from '@fairflax/bus';
import type { EventStore } from '@fairflax/event-store';
import type { DeadLetter, EventSource } from '@fairflax/projections';
import type { Logger } from '@fairflax/service-kit';
import { EmbeddedFeed, type FeedStatus } from './feed.js';

/**
 * Transports the read services can follow the articles log over. `embedded` (the articles
 * service's own gRPC feed) is always there; the others are adapter packages of later tutorial
 * steps, loaded by name only when configured, so a step without them still builds and runs.
 */
export const TRANSPORT_PACKAGES = {
  embedded: undefined,
  kafka: '@fairflax/bus-kafka',
  nats: '@fairflax/bus-nats',
} as const;
export type TransportName = keyof typeof TRANSPORT_PACKAGES;
export const TRANSPORT_NAMES = Object.keys(TRANSPORT_PACKAGES) as TransportName[];

export interface FollowOptions {
  /** The consuming service: names its consumer group on a broker. */
  service: string;
  /** For the embedded feed: where articles listens. */
  articlesAddress: string;
  /** Transport-specific settings, read by the adapter (brokers, ...). */
  env: Readonly<Record<string, string | undefined>>;
  /** Called when the connection to the log comes or goes. */
  onConnectionChange?: (connected: boolean, status: object) => void;
}

export interface FollowedSource extends EventSource {
  status(): object;
  close(): Promise<void> | void;
  /**
   * Publishes copies of events the projection parked, for a transport with a dead-letter topic
   * (absent otherwise). Called after the parking committed, in order; a failure is logged and
   * not retried, since the read model's own dead-letter table is the record of truth.
   */
  deadLetter?(letters: readonly DeadLetter[]): Promise<void>;
}

export interface RelayOptions {
  /** The articles event store, relayed from the log. */
  store: EventStore;
  /** Where the relay keeps its position: in the articles' own database. */
  checkpoint: RelayCheckpoint;
  env: Readonly<Record<string, string | undefined>>;
  logger: Logger;
  signal: AbortSignal;
}

export interface RunningRelay {
  /** Resolves once the relay has stopped after `signal` aborted. */
  stopped: Promise<void>;
  status(): object;
}

export interface FollowTopicOptions {
  service: string;
  /** The topic's name without the deployment's prefix. */
  topic: string;
  env: Readonly<Record<string, string | undefined>>;
  onRecords: (records: readonly { key: string; value: Uint8Array }[]) => void | Promise<void>;
  logger?: Logger;
}

export interface FollowedTopic {
  close(): Promise<void>;
}

/** What an adapter package exports: the read side, and the articles relay onto the broker. */
export interface TransportAdapter {
  openEventSource(options: FollowOptions): Promise<FollowedSource>;
  startRelay(options: RelayOptions): RunningRelay;
  /** Follows a topic other than the event log (a stream processor's output). */
  followTopic(options: FollowTopicOptions): Promise<FollowedTopic>;
}

export class TransportNotInStepError extends Error {
  override readonly name = 'TransportNotInStepError';
}

/**
 * Loads the adapter package of a broker transport by name. `load` is the caller's
 * `(name) => import(name)`, so the package resolves from the service that depends on it.
 */
export async function loadTransport(
  transport: Exclude<TransportName, 'embedded'>,
  load: (packageName: string) => Promise<unknown>,
): Promise<TransportAdapter> {
  const packageName = TRANSPORT_PACKAGES[transport];
  try {
    return (await load(packageName)) as TransportAdapter;
  } catch (err) {
    if (
      (err as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' &&
      String(err).includes(packageName)
    ) {
      throw new TransportNotInStepError(
        `transport "${transport}" is not part of this tutorial step: its adapter ${packageName} is not installed`,
      );
    }
    throw err;
  }
}

/**
 * Opens the event source for `transport`. `load` is the caller's `(name) => import(name)`, so
 * the adapter resolves from the service that declares it as a dependency.
 */
export async function openEventSource(
  transport: TransportName,
  options: FollowOptions,
  load: (packageName: string) => Promise<unknown>,
): Promise<FollowedSource> {
  if (transport === 'embedded') {
    let connected: boolean | undefined;
    // Large batches when catching up (one transaction each); live batches are small anyway.
    const feed = new EmbeddedFeed(options.articlesAddress, {
      batchSize: 5_000,
      onStatus: (status) => {
        if (status.connected === connected) return;
        connected = status.connected;
        options.onConnectionChange?.(connected, status);
      },
    });
    return {
      batches: (from, signal) => feed.batches(from, signal),
      status: (): FeedStatus => ({ ...feed.status }),
      close: () => feed.close(),
    };
  }
  return (await loadTransport(transport, load)).openEventSource(options);
}
