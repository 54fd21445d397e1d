import * as grpc from '@grpc/grpc-js';
import type { Delivery, EventSource } from '@fairflax/projections';
import { EventFeedService, type WireEventBatch } from './proto.js';
import { toStoredEvent } from './wire.js';

/** The embedded feed is one ordered sequence: the whole log, by global position. */
export const LOG_SOURCE = 'log';

export interface FeedStatus {
  connected: boolean;
  /** The log's head as of the last batch received. */
  headPosition: number;
  reconnects: number;
  lastError?: string;
}

export interface EmbeddedFeedOptions {
  batchSize?: number;
  /** First and largest reconnect delay; doubles in between, with jitter. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  onStatus?: (status: FeedStatus) => void;
}

interface FeedClient {
  subscribe(request: {
    afterPosition: string;
    batchSize: number;
  }): grpc.ClientReadableStream<WireEventBatch>;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

/** Reconnects with back-off after the consumer's committed position: none skipped or repeated. */
export class EmbeddedFeed implements EventSource {
  readonly status: FeedStatus = { connected: false, headPosition: 0, reconnects: 0 };
  private readonly client: grpc.Client;

  constructor(
    address: string,
    private readonly options: EmbeddedFeedOptions = {},
  ) {
    this.client = new EventFeedService(address, grpc.credentials.createInsecure(), {
      // Notice a dead peer on an idle stream instead of waiting forever.
      'grpc.keepalive_time_ms': 10_000,
      'grpc.keepalive_timeout_ms': 5_000,
    });
  }

  async *batches(
    from: (source: string) => number,
    signal: AbortSignal,
  ): AsyncGenerator<readonly Delivery[]> {
    const { minBackoffMs = 100, maxBackoffMs = 5_000 } = this.options;
    let backoff = minBackoffMs;
    while (!signal.aborted) {
      const call = (this.client as unknown as FeedClient).subscribe({
        afterPosition: String(from(LOG_SOURCE)),
        batchSize: this.options.batchSize ?? 500,
      });
      const cancel = () => call.cancel();
      signal.addEventListener('abort', cancel, { once: true });
      try {
        for await (const batch of call as AsyncIterable<WireEventBatch>) {
          if (!this.status.connected) this.update({ connected: true });
          backoff = minBackoffMs;
          this.status.headPosition = Number(batch.headPosition ?? 0);
          // Empty batches are passed on too: the first one tells the head of an empty log.
          const events = (batch.events ?? []).map(toStoredEvent);
          yield events.map((event) => ({
            source: LOG_SOURCE,
            position: event.globalPosition,
            event,
          }));
        }
        if (!signal.aborted) this.update({ connected: false, lastError: 'stream ended' });
      } catch (err) {
        if (signal.aborted) break;
        this.update({ connected: false, lastError: (err as Error).message });
      } finally {
        signal.removeEventListener('abort', cancel);
        call.cancel();
      }
      if (signal.aborted) break;
      this.status.reconnects++;
      await sleep(backoff * (0.5 + Math.random() / 2), signal);
      backoff = Math.min(backoff * 2, maxBackoffMs);
    }
  }

  close(): void {
    this.client.close();
  }

  private update(change: Partial<FeedStatus>): void {
    Object.assign(this.status, change);
    this.options.onStatus?.({ ...this.status });
  }
}
