import type { FollowedSource, FollowOptions, Transport } from '@fairflax/event-store';
import { EmbeddedFeed, LOG_SOURCE, type FeedStatus } from './feed.js';

/**
 * Events per batch, and so per transaction, while a read model catches up (live batches are
 * small anyway): larger batches apply faster and hold more memory.
 */
export const CATCH_UP_BATCH = 2_000;

/** TRANSPORT=embedded: the articles service's own gRPC feed; articles relays nothing. */
export const embeddedTransport = {
  openEventSource(options: FollowOptions): Promise<FollowedSource> {
    let connected: boolean | undefined;
    const feed = new EmbeddedFeed(options.articlesAddress, {
      batchSize: CATCH_UP_BATCH,
      onStatus: (status) => {
        if (status.connected === connected) return;
        connected = status.connected;
        options.onConnectionChange?.(connected, status);
      },
    });
    return Promise.resolve({
      batches: (from, signal) => feed.batches(from, signal),
      status: (): FeedStatus => ({ ...feed.status }),
      backlog: (applied) => {
        const { headPosition } = feed.status;
        if (headPosition === 0) return new Map();
        return new Map([[LOG_SOURCE, Math.max(0, headPosition - applied.position(LOG_SOURCE))]]);
      },
      close: () => feed.close(),
    });
  },
} satisfies Transport;
