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
