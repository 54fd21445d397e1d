import { describe, expect, it, vi } from 'vitest';
import { EventHistory } from './history.js';
import { FELL_BEHIND_CLOSE_CODE, LiveFeed, type LiveConnection } from './live-feed.js';
import { events as e, graphReadSide } from '../test/support.js';

const LIMITS = { subscriptionsPerConnection: 2, maxQueued: 3, maxQueuedBytes: 10_000 };

function fakeConnection(bufferedAmount = 0) {
  const closes: { code: number; reason: string }[] = [];
  const connection: LiveConnection = {
    socket: { bufferedAmount, close: (code, reason) => closes.push({ code, reason }) },
    subscriptions: new Set(),
  };
  return { connection, closes };
}

function liveFeed(limits = LIMITS) {
  const side = graphReadSide();
  side.given(e.registered('a1', 'Ada Lovelace'));
  const listen = side.runner.onCommitted.bind(side.runner);
  const stopped = vi.fn();
  const onCommitted = vi.spyOn(side.runner, 'onCommitted').mockImplementation((listener) => {
    const stop = listen(listener);
    return () => {
      stopped();
      stop();
    };
  });
  const feed = new LiveFeed(side.runner, new EventHistory(side.db), limits);
  return { side, feed, onCommitted, stopped };
}

describe('the live feed', () => {
  it('listens to the runner only while someone subscribes', async () => {
    const { side, feed, onCommitted, stopped } = liveFeed();
    side.given(e.drafted('x0', 0));
    expect(onCommitted).not.toHaveBeenCalled();

    const events = feed.eventAppended(fakeConnection().connection, {});
    expect(onCommitted).toHaveBeenCalledTimes(1);
    await events.return?.();

    expect(stopped).toHaveBeenCalledTimes(1);
    expect(feed.stats().subscriptions).toBe(0);
  });

  it('queues what a subscriber has not pulled yet, filtered, in log order', async () => {
    const { side, feed } = liveFeed();
    const events = feed.eventAppended(fakeConnection().connection, { stream: 'article-x1' });

    side.given(e.drafted('x1', 1), e.drafted('x2', 2), e.published('x1', 3));

    expect(feed.stats().queued).toBe(2);
    expect((await events.next()).value).toMatchObject({ position: 2, type: 'ArticleDrafted' });
    expect((await events.next()).value).toMatchObject({ position: 4, type: 'ArticlePublished' });
  });

  it('closes a connection whose subscriber falls behind, letting go of its queue', async () => {
    const { side, feed } = liveFeed();
    const { connection, closes } = fakeConnection();
    const events = feed.eventAppended(connection, {});
    const articles = feed.articlePublished(connection, undefined);

    side.given(...['a', 'b', 'c', 'd'].map((id) => e.drafted(id, 1)));

    expect(closes).toEqual([{ code: FELL_BEHIND_CLOSE_CODE, reason: 'subscriber fell behind' }]);
    expect(feed.stats()).toEqual({ subscriptions: 0, queued: 0, peakQueued: 3, fellBehind: 1 });
    expect(await events.next()).toEqual({ value: undefined, done: true });
    expect(await articles.next()).toEqual({ value: undefined, done: true });
  });

  it("counts what the connection's socket has not sent yet against the byte bound", () => {
    const { side, feed } = liveFeed();
    const stuck = fakeConnection(9_999);
    const free = fakeConnection(0);
    feed.eventAppended(stuck.connection, {});
    feed.eventAppended(free.connection, {});

    side.given(e.drafted('x1', 1));

    expect(stuck.closes).toHaveLength(1);
    expect(free.closes).toHaveLength(0);
    expect(feed.stats()).toMatchObject({ subscriptions: 1, queued: 1 });
  });

  it('refuses a subscription past the limit of its connection', () => {
    const { feed } = liveFeed();
    const { connection } = fakeConnection();
    feed.eventAppended(connection, {});
    feed.articlePublished(connection, 'politics');

    expect(() => feed.eventAppended(connection, {})).toThrow(
      expect.objectContaining({ extensions: { code: 'TOO_MANY_SUBSCRIPTIONS' } }),
    );
    expect(() => feed.eventAppended(fakeConnection().connection, {})).not.toThrow();
  });

  it('offers a published article of the category, as of its publication', async () => {
    const { side, feed } = liveFeed();
    const business = feed.articlePublished(fakeConnection().connection, 'business');

    side.given(
      e.drafted('p', 1, { category: 'politics' }),
      e.published('p', 2),
      e.drafted('b', 3, { category: 'business', title: 'Before' }),
      e.published('b', 4),
      e.revised('b', 5, { title: 'After' }),
    );

    expect(feed.stats().queued).toBe(1);
    expect((await business.next()).value).toMatchObject({
      id: 'b',
      title: 'Before',
      status: 'PUBLISHED',
      asOf: 5,
    });
  });
});
