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
  /** Events per frame; behind the head, received frames are joined until a batch reaches it. */
  batchSize?: number;
  /** First and largest reconnect delay; doubles in between, with jitter. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  onStatus?: (status: FeedStatus) => void;
}

const SUBSCRIBE = EventFeedService.service['Subscribe']!;
const FLOW_CONTROL_WINDOW = 4 * 1024 * 1024;
// Frames stay bytes while grpc-js buffers them; each is decoded once, when its turn comes.
const keepBytes = (frame: Buffer): Buffer => frame;

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

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
      // HTTP/2's default 64 KiB window lets articles send that much while this process is busy
      // applying a batch; a few frames' worth keeps the next batch arriving meanwhile.
      'grpc-node.flow_control_window': FLOW_CONTROL_WINDOW,
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
          // Behind the head, frames received by the next turn of the event loop join this
          // batch until it reaches batchSize events (one transaction each); live, a frame goes
          // alone.
          const deliveries: Delivery[] = [];
          let frame: Buffer | null = first;
          while (frame !== null) {
            const decoded = decodeEventFrame(frame);
            this.status.headPosition = decoded.headPosition;
            for (const event of decoded.events) {
              deliveries.push({ source: LOG_SOURCE, position: event.globalPosition, event });
            }
            const behind = decoded.headPosition > (deliveries.at(-1)?.position ?? Infinity);
            if (deliveries.length >= batchSize || !behind) break;
            if (call.readableLength === 0) await nextTurn();
            frame = call.readableLength > 0 ? call.read() : null;
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
