/**
 * The message bus port: publish to a topic, subscribe as a member of a consumer group.
 *
 * Guarantees (the contract suite in ./contract.ts checks them; adapters declare which
 * optional ones they give through BusFeatures):
 * - At-least-once: a message is delivered to every consumer group subscribed to its topic
 *   until a handler for it returns (ack). A handler that throws does not ack: the message is
 *   delivered again, after the adapter's back-off.
 * - Order per key (`orderedPerKey`): messages with the same key reach a group in publish
 *   order; messages with different keys may interleave. A batch never holds two messages of
 *   one key out of order, and the next batch of a partition waits until this one is acked.
 * - Consumer groups (`consumerGroups`): each group gets every message; inside a group, the
 *   partitions are shared out among its members, so each message goes to one member.
 * - Backpressure: `publish` resolves once the bus has accepted the messages; an adapter
 *   with bounded buffers makes it wait rather than grow without limit.
 * - A subscription starts at the group's committed position, or, for a new group, at the
 *   earliest message the bus still holds (`fromBeginning`, the default) or only new ones.
 */

export interface BusMessage {
  /** Partitioning key: the stream id, so one stream's events keep their order. */
  key: string;
  value: Uint8Array;
  headers: Readonly<Record<string, string>>;
}

export interface Delivery extends BusMessage {
  topic: string;
  partition: number;
  /** Position of the message within its partition, increasing from 0. */
  offset: number;
}

export interface SubscribeOptions {
  group: string;
  /** For a group with no committed position: start at the oldest message (default) or at new ones. */
  fromBeginning?: boolean;
}

/** Handles one batch; resolving acks every message in it, throwing acks none. */
export type BatchHandler = (batch: readonly Delivery[]) => Promise<void>;

export interface Subscription {
  /** Stops delivering; resolves once an in-flight batch has finished. */
  close(): Promise<void>;
}

export interface MessageBus {
  publish(topic: string, messages: readonly BusMessage[]): Promise<void>;
  subscribe(topic: string, options: SubscribeOptions, handler: BatchHandler): Promise<Subscription>;
  close(): Promise<void>;
}

/** What an adapter can do; the contract suite skips only the checks of features it lacks. */
export interface BusFeatures {
  orderedPerKey: boolean;
  consumerGroups: boolean;
  /** Messages survive the bus process restarting. */
  persistent: boolean;
  /** A redelivered or replayed message carries the same partition and offset. */
  stableOffsets: boolean;
}
