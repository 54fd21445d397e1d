/**
 * Guarantees, checked by ./contract.ts (optional ones flagged in BusFeatures):
 * - At-least-once per group: redelivered after back-off until a handler resolves for it.
 * - `orderedPerKey`: one key in publish order; a partition's next batch waits for this ack.
 * - `consumerGroups`: each group gets every message, and one member of the group does.
 * - `publish` resolves once accepted: bounded buffers make it wait, never grow without limit.
 * - A group resumes at its committed position; a new one at the oldest message held, or at new
 *   ones only (`fromBeginning: false`).
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
  offset: number;
}

export interface SubscribeOptions {
  group: string;
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

export interface BusFeatures {
  orderedPerKey: boolean;
  consumerGroups: boolean;
  persistent: boolean;
  /** A redelivered or replayed message carries the same partition and offset. */
  stableOffsets: boolean;
}
