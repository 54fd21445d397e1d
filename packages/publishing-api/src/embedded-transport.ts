import type { FollowedSource, FollowOptions, Transport } from '@fairflax/event-store';
import { EmbeddedFeed, type FeedStatus } from './feed.js';

/** TRANSPORT=embedded: the articles service's own gRPC feed; articles relays nothing. */
export const embeddedTransport = {
  openEventSource(options: FollowOptions): Promise<FollowedSource> {
    let connected: boolean | undefined;
    // Large batches when catching up (one transaction each); live batches are small anyway.
    const feed = new EmbeddedFeed(options.articlesAddress, {
      batchSize: 2_000,
      onStatus: (status) => {
        if (status.connected === connected) return;
        connected = status.connected;
        options.onConnectionChange?.(connected, status);
      },
    });
    return Promise.resolve({
      batches: (from, signal) => feed.batches(from, signal),
      status: (): FeedStatus => ({ ...feed.status }),
      close: () => feed.close(),
    });
  },
} satisfies Transport;
