import * as grpc from '@grpc/grpc-js';
import type { Delivery, EventSource } from '@fairflax/projections';
import { decodeEventFrame } from './feed-frames.js';
import { EventFeedService } from './proto.js';

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
  /** Largest batch handed on: frames already received are joined up to it. */
  batchSize?: number;
  /** First and largest reconnect delay; doubles in between, with jitter. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  onStatus?: (status: FeedStatus) => void;
}

const SUBSCRIBE = EventFeedService.service['Subscribe']!;
// Frames stay bytes while grpc-js buffers them; each is decoded once, when its turn comes.
const keepBytes = (frame: Buffer): Buffer => frame;

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
      const batchSize = this.options.batchSize ?? 500;
      const call = this.client.makeServerStreamRequest<
        { afterPosition: string; batchSize: number },
        Buffer
      >(SUBSCRIBE.path, SUBSCRIBE.requestSerialize, keepBytes, {
        afterPosition: String(from(LOG_SOURCE)),
        batchSize,
      });
      const cancel = () => call.cancel();
      signal.addEventListener('abort', cancel, { once: true });
      try {
        for await (const first of call as AsyncIterable<Buffer>) {
          if (!this.status.connected) this.update({ connected: true });
          backoff = minBackoffMs;
          // Frames already received join this batch, up to batchSize events: one transaction
          // each while catching up, one frame each once live.
          const deliveries: Delivery[] = [];
          let frame: Buffer | null = first;
          while (frame !== null) {
            const decoded = decodeEventFrame(frame);
            this.status.headPosition = decoded.headPosition;
            for (const event of decoded.events) {
              deliveries.push({ source: LOG_SOURCE, position: event.globalPosition, event });
            }
            frame = deliveries.length < batchSize && call.readableLength > 0 ? call.read() : null;
          }
          // Empty batches are passed on too: the first one tells the head of an empty log.
          yield deliveries;
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
