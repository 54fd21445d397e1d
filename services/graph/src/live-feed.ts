import type { ProjectedEvent, ProjectionRunner } from '@fairflax/projections';
import mercurius from 'mercurius';
import { loggedEvent, type EventHistory, type LoggedEvent } from './history.js';
import type { ArticleView } from './read-model.js';

export interface LiveFeedLimits {
  subscriptionsPerConnection: number;
  /** Items queued for one subscription before its connection is closed as fallen behind. */
  maxQueued: number;
  /** Characters queued for one subscription, plus what its socket has not sent yet. */
  maxQueuedBytes: number;
}

/** The connection of a subscriber that falls behind is closed with this code. */
export const FELL_BEHIND_CLOSE_CODE = 4413;

export interface LiveSocket {
  readonly bufferedAmount: number;
  close(code: number, reason: string): void;
}

/** One WebSocket connection: its subscriptions share its socket, and are closed together. */
export interface LiveConnection {
  readonly socket: LiveSocket;
  readonly subscriptions: Set<Subscriber<unknown>>;
}

/**
 * An async iterator over what the feed offers it, with a bounded queue: mercurius pulls the next
 * item once it has written the previous one to the socket, so a client that stops reading stops
 * the pulls, and the queue fills up to the bound instead of growing.
 */
class Subscriber<T> implements AsyncIterableIterator<T> {
  private readonly queue: { item: T; size: number }[] = [];
  private queuedSize = 0;
  private waiting: ((result: IteratorResult<T>) => void) | undefined;
  private ended = false;

  constructor(
    readonly connection: LiveConnection,
    readonly accepts: (item: T) => boolean,
    private readonly onEnd: () => void,
  ) {}

  get queued(): number {
    return this.queue.length;
  }

  /** False, queueing nothing, when the subscriber has fallen behind. */
  offer(item: T, size: number, limits: LiveFeedLimits): boolean {
    if (this.ended) return true;
    if (this.waiting) {
      const deliver = this.waiting;
      this.waiting = undefined;
      deliver({ value: item, done: false });
      return true;
    }
    const unsent = this.connection.socket.bufferedAmount;
    if (
      this.queue.length >= limits.maxQueued ||
      this.queuedSize + size + unsent > limits.maxQueuedBytes
    )
      return false;
    this.queue.push({ item, size });
    this.queuedSize += size;
    return true;
  }

  next(): Promise<IteratorResult<T>> {
    const first = this.queue.shift();
    if (first) {
      this.queuedSize -= first.size;
      return Promise.resolve({ value: first.item, done: false });
    }
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.waiting = resolve));
  }

  return(): Promise<IteratorResult<T>> {
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.queue.length = 0;
    this.queuedSize = 0;
    this.waiting?.({ value: undefined, done: true });
    this.waiting = undefined;
    this.onEnd();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

export interface LiveFeedStats {
  subscriptions: number;
  queued: number;
  peakQueued: number;
  fellBehind: number;
}

/**
 * What graph's runner commits, offered to live subscriptions. It listens to the runner only while
 * someone subscribes: with no subscription, a commit costs nothing here.
 */
export class LiveFeed {
  private readonly events = new Set<Subscriber<LoggedEvent>>();
  private readonly published = new Set<Subscriber<ArticleView>>();
  private stopListening: (() => void) | undefined;
  private peakQueued = 0;
  private fellBehind = 0;

  constructor(
    private readonly runner: ProjectionRunner,
    private readonly history: EventHistory,
    private readonly limits: LiveFeedLimits,
  ) {}

  eventAppended(
    connection: LiveConnection,
    filter: { type?: string; stream?: string },
  ): AsyncIterableIterator<LoggedEvent> {
    return this.add(
      this.events,
      connection,
      (event) =>
        (filter.type === undefined || event.type === filter.type) &&
        (filter.stream === undefined || event.stream === filter.stream),
    );
  }

  articlePublished(
    connection: LiveConnection,
    category: string | undefined,
  ): AsyncIterableIterator<ArticleView> {
    return this.add(
      this.published,
      connection,
      (article) => category === undefined || article.category === category,
    );
  }

  stats(): LiveFeedStats {
    const all = [...this.events, ...this.published];
    return {
      subscriptions: all.length,
      queued: all.reduce((sum, s) => sum + s.queued, 0),
      peakQueued: this.peakQueued,
      fellBehind: this.fellBehind,
    };
  }

  close(): void {
    for (const subscriber of [...this.events, ...this.published]) subscriber.end();
  }

  private add<T>(
    subscribers: Set<Subscriber<T>>,
    connection: LiveConnection,
    accepts: (item: T) => boolean,
  ): Subscriber<T> {
    if (connection.subscriptions.size >= this.limits.subscriptionsPerConnection) {
      throw new mercurius.ErrorWithProps(
        `a connection may hold at most ${this.limits.subscriptionsPerConnection} subscriptions`,
        { code: 'TOO_MANY_SUBSCRIPTIONS' },
      );
    }
    const subscriber: Subscriber<T> = new Subscriber(connection, accepts, () => {
      subscribers.delete(subscriber);
      connection.subscriptions.delete(subscriber as Subscriber<unknown>);
      if (this.events.size + this.published.size === 0) {
        this.stopListening?.();
        this.stopListening = undefined;
      }
    });
    subscribers.add(subscriber);
    connection.subscriptions.add(subscriber as Subscriber<unknown>);
    this.stopListening ??= this.runner.onCommitted((applied) => this.offerAll(applied));
    return subscriber;
  }

  private offerAll(applied: readonly ProjectedEvent[]): void {
    const behind = new Set<LiveConnection>();
    const offer = <T>(subscribers: Set<Subscriber<T>>, item: T, size: number) => {
      for (const subscriber of subscribers) {
        if (!subscriber.accepts(item) || behind.has(subscriber.connection)) continue;
        if (!subscriber.offer(item, size, this.limits)) behind.add(subscriber.connection);
        this.peakQueued = Math.max(this.peakQueued, subscriber.queued);
      }
    };
    for (const projected of applied) {
      if (this.events.size > 0) {
        const event = loggedEvent(projected);
        offer(this.events, event, event.payload.length);
      }
      if (this.published.size > 0 && projected.event.type === 'ArticlePublished') {
        const { articleId } = projected.event.data;
        const article = this.history.articleAsOf(articleId, projected.globalPosition);
        if (article) offer(this.published, article, article.title.length + article.body.length);
      }
    }
    for (const connection of behind) this.closeFallenBehind(connection);
  }

  /** Its queued items are let go at once; the close frame waits behind what the socket holds. */
  private closeFallenBehind(connection: LiveConnection): void {
    this.fellBehind++;
    for (const subscriber of [...connection.subscriptions]) subscriber.end();
    connection.socket.close(FELL_BEHIND_CLOSE_CODE, 'subscriber fell behind');
  }
}
