import type { StoredEvent } from './port.js';

/** `source`: the log, or a Kafka `topic/partition`; `position` increases within it. */
export interface Delivery {
  source: string;
  position: number;
  /** A Kafka offset, stored beside the position so the transport seeks there itself. */
  offset?: number;
  event: StoredEvent;
}

/**
 * Reconnects on its own until `signal` aborts. A transport with offsets seeks to
 * `offsetOf(source) + 1`: the read model's file, not the broker, records what was applied.
 */
export interface EventSource {
  batches(
    from: (source: string) => number,
    signal: AbortSignal,
    offsetOf?: (source: string) => number | undefined,
  ): AsyncIterable<readonly Delivery[]>;
}

/** `sequenced` behind an earlier parked event of its stream, which never applies out of order. */
export type DeadLetterReason = 'failed' | 'sequenced';

/** A delivery a read model could not apply, parked in its own table. */
export interface DeadLetter {
  id: number;
  projection: string;
  source: string;
  position: number;
  offset: number | undefined;
  /** As delivered: its bytes, not its decoded form. */
  event: StoredEvent;
  error: string;
  reason: DeadLetterReason;
  parkedAt: string;
  /** 0 for an event only sequenced behind another. */
  attempts: number;
  replayRequested: boolean;
}
