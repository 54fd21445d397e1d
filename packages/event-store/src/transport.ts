import type { EventStore } from './port.js';
import type { EventSource } from './source.js';
import type { EnvReader } from '@fairflax/service-kit';

/** What a transport logs through (a service-kit logger fits). */
export interface TransportLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** How the read services follow the articles log; @fairflax/transports lists a build's. */
export interface Transport {
  openEventSource(options: FollowOptions): Promise<FollowedSource>;
  /** Relays the articles event store onto the transport; absent when articles serves it itself. */
  startRelay?(options: TransportRelayOptions): RunningRelay;
  /** Follows a topic other than the event log (a stream processor's output). */
  followTopic?(options: FollowTopicOptions): Promise<FollowedTopic>;
}

export interface FollowOptions {
  /** The consuming service: names its consumer group on a broker. */
  service: string;
  /** For the embedded feed: where articles listens. */
  articlesAddress: string;
  /** Where the adapter reads its own settings (brokers, ...). */
  env: EnvReader;
  /** Called when the connection to the log comes or goes. */
  onConnectionChange?: (connected: boolean, status: object) => void;
  logger?: TransportLogger;
}

/** How far a read model got in each source (a ProjectionRunner fits). */
export interface AppliedPositions {
  position(source: string): number;
  offset(source: string): number | undefined;
}

export interface FollowedSource extends EventSource {
  status(): object;
  /**
   * Events on the log that `applied` does not have yet, per source, as of the log's end when
   * the transport last heard of it (a source it has not heard of yet is absent).
   */
  backlog?(applied: AppliedPositions): ReadonlyMap<string, number>;
  close(): Promise<void> | void;
  /** Writes records to another topic of the transport (named without the deployment's prefix). */
  publish?(topic: string, records: readonly TopicRecord[]): Promise<void>;
}

export interface TopicRecord {
  /** Partitioning key. */
  key: string;
  value: Uint8Array;
  headers: Readonly<Record<string, string>>;
}

export interface TransportRelayOptions {
  store: EventStore;
  /** Where the relay keeps its position: in the articles' own database. */
  checkpoint: RelayCheckpoint;
  env: EnvReader;
  logger: TransportLogger;
  signal: AbortSignal;
}

/** Where a relay keeps how far it got. */
export interface RelayCheckpoint {
  load(): Promise<number> | number;
  save(position: number): Promise<void> | void;
}

export interface RunningRelay {
  /** Resolves once the relay has stopped after `signal` aborted. */
  stopped: Promise<void>;
  /** `position`: the last global position relayed. */
  status(): { position: number };
}

export interface FollowTopicOptions {
  service: string;
  /** The topic's name without the deployment's prefix. */
  topic: string;
  env: EnvReader;
  onRecords: (records: readonly { key: string; value: Uint8Array }[]) => void | Promise<void>;
  logger?: TransportLogger;
}

export interface FollowedTopic {
  close(): Promise<void>;
}
