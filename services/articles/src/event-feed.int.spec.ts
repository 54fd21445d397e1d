import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import type { Delivery } from '@fairflax/event-store';
import { openSqliteEventStore, type SqliteEventStore } from '@fairflax/event-store-sqlite';
import { EmbeddedFeed, EventFeedService } from '@fairflax/publishing-api';
import type { Logger } from '@fairflax/service-kit';
import { afterEach, describe, expect, it } from 'vitest';
import { ArticlesApplication } from './application.js';
import { bindGrpc, createGrpcServer } from './grpc-server.js';

const logger = { error: () => undefined, info: () => undefined } as unknown as Logger;

interface FeedServer {
  store: SqliteEventStore;
  address: string;
  /** Events the feed has read from the store so far. */
  readByFeed: () => number;
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startFeedServer(): Promise<FeedServer> {
  const dir = mkdtempSync(join(tmpdir(), 'articles-feed-'));
  const store = openSqliteEventStore(join(dir, 'events.sqlite'));
  let read = 0;
  const counted = Object.create(store) as SqliteEventStore;
  counted.subscribe = async function* (after, options) {
    for await (const batch of store.subscribe(after, options)) {
      read += batch.length;
      yield batch;
    }
  };
  const app = new ArticlesApplication(store, { now: () => new Date(), newId: randomUUID });
  const server = createGrpcServer({ app, store: counted, logger, newId: randomUUID });
  const port = await bindGrpc(server, '127.0.0.1:0');
  cleanups.push(async () => {
    server.forceShutdown();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { store, address: `127.0.0.1:${port}`, readByFeed: () => read };
}

async function appendEvents(store: SqliteEventStore, count: number, dataBytes: number) {
  const data = new Uint8Array(dataBytes).fill(7);
  const appends = [];
  for (let i = 0; i < count; i++) {
    appends.push(
      store.append(`s-${i % 50}`, 'any', [
        { eventId: randomUUID(), type: 'ArticleRevised', schemaVersion: 1, data, metadata: {} },
      ]),
    );
  }
  await Promise.all(appends);
}

function follow(address: string, after = 0, batchSize = 5_000) {
  const feed = new EmbeddedFeed(address, { batchSize, minBackoffMs: 20, maxBackoffMs: 100 });
  const controller = new AbortController();
  const batches = feed.batches(() => after, controller.signal);
  cleanups.push(async () => {
    controller.abort();
    await batches.return(undefined);
    feed.close();
  });
  const positions: number[] = [];
  const take = async (): Promise<readonly Delivery[]> => {
    const next = await batches.next();
    if (next.done === true) throw new Error('the feed ended');
    positions.push(...next.value.map((d) => d.position));
    return next.value;
  };
  const until = async (position: number) => {
    while ((positions.at(-1) ?? after) < position) await take();
  };
  return { feed, positions, take, until };
}

const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('the event feed', () => {
  it('sends the head first, then every event once and in order, then the live tail', async () => {
    const server = await startFeedServer();
    await appendEvents(server.store, 1_200, 300);
    const follower = follow(server.address);
    expect(await follower.take()).toEqual([]);
    expect(follower.feed.status).toMatchObject({ connected: true, headPosition: 1_200 });
    await follower.until(1_200);
    await appendEvents(server.store, 3, 300);
    await follower.until(1_203);
    expect(follower.positions).toEqual(range(1, 1_203));
    expect(follower.feed.status.headPosition).toBe(1_203);
  });

  it('joins the frames a follower behind the head has received into one batch; live, one event goes alone', async () => {
    const server = await startFeedServer();
    await appendEvents(server.store, 6_000, 300);
    const follower = follow(server.address, 0, 2_000);
    expect(await follower.take()).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    // Frames of 256 KiB hold about 650 of these events: the batch is several frames.
    const batch = await follower.take();
    expect(batch.length).toBeGreaterThanOrEqual(2_000);
    expect(batch.length).toBeLessThan(3_000);
    await follower.until(6_000);
    await appendEvents(server.store, 1, 300);
    expect((await follower.take()).map((d) => d.position)).toEqual([6_001]);
    expect(follower.positions).toEqual(range(1, 6_001));
  });

  it('resumes right after the position the follower gives', async () => {
    const server = await startFeedServer();
    await appendEvents(server.store, 900, 100);
    const follower = follow(server.address, 700);
    await follower.until(900);
    expect(follower.positions).toEqual(range(701, 900));
  });

  it('delivers events that together exceed gRPC’s 4 MiB message limit, in frames under it', async () => {
    const server = await startFeedServer();
    await appendEvents(server.store, 30, 200_000);
    const follower = follow(server.address, 0, 500);
    await follower.until(30);
    expect(follower.positions).toEqual(range(1, 30));
    expect(follower.feed.status.reconnects).toBe(0);
  });

  it('reads no further ahead of a follower that stops taking batches than a few frames', async () => {
    const server = await startFeedServer();
    await appendEvents(server.store, 5_000, 8_000);
    const follower = follow(server.address, 0, 100);
    await follower.take();
    await follower.take();
    await new Promise((resolve) => setTimeout(resolve, 500));
    // 40 MB of log. Between the store and a stalled follower: one read of 500 rows, two frames
    // at the server, the follower's 4 MiB HTTP/2 window and 16 frames buffered by grpc-js.
    const aheadBytes = (server.readByFeed() - follower.positions.length) * 8_000;
    expect(follower.positions.length).toBeLessThanOrEqual(100);
    expect(aheadBytes).toBeGreaterThan(0);
    expect(aheadBytes).toBeLessThan(16_000_000);
    await follower.until(5_000);
    expect(follower.positions).toEqual(range(1, 5_000));
  });

  it('answers INVALID_ARGUMENT naming after_position when it is negative', async () => {
    const server = await startFeedServer();
    const client = new EventFeedService(server.address, grpc.credentials.createInsecure());
    cleanups.push(() => client.close());
    const call = (
      client as unknown as { subscribe: (r: object) => grpc.ClientReadableStream<unknown> }
    ).subscribe({ afterPosition: '-1' });
    const error = await new Promise<grpc.ServiceError>((resolve) => {
      call.on('error', resolve);
      call.on('data', () => undefined);
    });
    expect(error.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(error.details).toContain('after_position');
    expect(error.metadata.get('field')).toEqual(['after_position']);
  });
});
