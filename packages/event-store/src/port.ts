/**
 * Every adapter guarantees (./contract.ts checks it):
 * - stream versions 1, 2, 3 ... without gaps; an append stores all of its events or none;
 * - an expected version that differs fails with ConcurrencyError and stores nothing;
 * - global positions strictly increase in commit order across streams: a reader resumes exactly;
 * - a repeated `commandId` returns the first append's result and stores nothing;
 * - concurrent appends are each checked and committed as if alone (group commit allowed).
 */

/** `data` is opaque to the store. */
export interface NewEvent {
  /** Generated at the edge, not by the domain; an id already stored fails the whole append. */
  eventId: string;
  type: string;
  schemaVersion: number;
  data: Uint8Array;
  metadata: Readonly<Record<string, string>>;
}

export interface StoredEvent extends NewEvent {
  streamId: string;
  streamVersion: number;
  globalPosition: number;
  /** RFC 3339 UTC time of the commit. */
  recordedAt: string;
}

/** n: the stream has exactly n events ('no_stream' is 0); 'any': no check. */
export type ExpectedVersion = number | 'no_stream' | 'any';

export interface AppendOptions {
  commandId?: string;
}

export interface AppendResult {
  streamVersion: number;
  /** Of the last event appended (by the earlier append, if repeated). */
  globalPosition: number;
  duplicate: boolean;
}

export interface SubscribeOptions {
  batchSize?: number;
  /** The iterator then ends without error. */
  signal?: AbortSignal;
}

export interface EventStore {
  /** `events` must not be empty. */
  append(
    streamId: string,
    expectedVersion: ExpectedVersion,
    events: readonly NewEvent[],
    options?: AppendOptions,
  ): Promise<AppendResult>;

  /** The stream's events in version order, from `fromVersion` (inclusive, default 1). */
  readStream(streamId: string, fromVersion?: number): Promise<StoredEvent[]>;

  /** Up to `limit` events with global position > `afterPosition`, in position order. */
  readAll(afterPosition: number, limit: number): Promise<StoredEvent[]>;

  /** 0 for an empty store. */
  headPosition(): Promise<number>;

  /** Catch-up, then live; the next batch is read only when asked for, so no consumer is overrun. */
  subscribe(afterPosition: number, options?: SubscribeOptions): AsyncIterable<StoredEvent[]>;

  close(): Promise<void>;
}
