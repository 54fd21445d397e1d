import { describe, expect, it } from 'vitest';
import { newEvents, positionsOf } from './contract-events.js';
import type { EventStore, StoredEvent } from './port.js';

export interface ContractHarness {
  store(): EventStore;
  /** Closes the store; the suite's own clean-up then leaves it alone. */
  closeStore(): Promise<void>;
}

export function subscribeContract(harness: ContractHarness): void {
  describe('subscribe', () => {
    it('catches up on stored events in batches, then delivers live appends in order', async () => {
      const store = harness.store();
      await store.append('article-1', 'no_stream', newEvents(3));
      const abort = new AbortController();
      const feed = feedOf(store.subscribe(0, { batchSize: 2, signal: abort.signal }));
      expect(positionsOf(await nextBatch(feed))).toEqual([1, 2]);
      expect(positionsOf(await nextBatch(feed))).toEqual([3]);

      const live = collectUntil(feed, 6);
      await store.append('author-1', 'no_stream', newEvents(1));
      await store.append('article-1', 3, newEvents(2));
      const events = await live;
      expect(positionsOf(events)).toEqual([4, 5, 6]);
      expect(events.map((e) => e.streamId)).toEqual(['author-1', 'article-1', 'article-1']);
      abort.abort();
      await expect(feed.next()).resolves.toMatchObject({ done: true });
    });

    it('ends without error when aborted while waiting for appends', async () => {
      const store = harness.store();
      await store.append('article-1', 'no_stream', newEvents(1));
      const abort = new AbortController();
      const seen: number[] = [];
      const consumed = (async () => {
        for await (const batch of store.subscribe(0, { signal: abort.signal })) {
          seen.push(...positionsOf(batch));
          if (seen.length === 1) setTimeout(() => abort.abort(), 0);
        }
      })();
      await expect(consumed).resolves.toBeUndefined();
      expect(seen).toEqual([1]);
    });

    it('delivers nothing when the signal has already aborted', async () => {
      const store = harness.store();
      await store.append('article-1', 'no_stream', newEvents(2));
      const abort = new AbortController();
      abort.abort();
      const feed = feedOf(store.subscribe(0, { signal: abort.signal }));
      await expect(feed.next()).resolves.toMatchObject({ done: true });
    });

    it('starts after the given position', async () => {
      const store = harness.store();
      await store.append('article-1', 'no_stream', newEvents(2));
      await store.append('author-1', 'no_stream', newEvents(2));
      const abort = new AbortController();
      const feed = feedOf(store.subscribe(2, { signal: abort.signal }));
      const caughtUp = await collectUntil(feed, 4);
      expect(positionsOf(caughtUp)).toEqual([3, 4]);
      expect(caughtUp.map((e) => e.streamId)).toEqual(['author-1', 'author-1']);
      abort.abort();
      await expect(feed.next()).resolves.toMatchObject({ done: true });
    });

    it('ends subscriptions when the store closes', async () => {
      const store = harness.store();
      const feed = feedOf(store.subscribe(0));
      const waiting = feed.next();
      await harness.closeStore();
      await expect(waiting).resolves.toMatchObject({ done: true });
    });
  });
}

function feedOf(subscription: AsyncIterable<StoredEvent[]>): AsyncIterator<StoredEvent[]> {
  return subscription[Symbol.asyncIterator]();
}

async function nextBatch(feed: AsyncIterator<StoredEvent[]>): Promise<StoredEvent[]> {
  const next = await feed.next();
  if (next.done === true) throw new Error('the subscription ended while events were expected');
  return next.value;
}

async function collectUntil(
  feed: AsyncIterator<StoredEvent[]>,
  position: number,
): Promise<StoredEvent[]> {
  const events: StoredEvent[] = [];
  while ((events.at(-1)?.globalPosition ?? 0) < position) events.push(...(await nextBatch(feed)));
  return events;
}
