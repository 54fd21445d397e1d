import type { BatchHandler, Delivery, SubscribeOptions } from '@fairflax/bus';
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { SubscriptionAwareRoundRobin } from './assigner.js';
import { isBrokerUnavailable, isRetriableKafkaError } from '@fairflax/kafka-kit';
import { CLIENT_RETRY, type KafkaBusSettings } from './options.js';

export interface KafkaSubscribeOptions extends SubscribeOptions {
  /**
   * Asked per assigned partition after every rebalance: an offset starts it there, whatever the
   * group committed (for a read model that stores its own offsets); undefined keeps the group's.
   */
  startAt?: (partition: number) => number | undefined;
  /** Told of each batch fetched, before it is handled: where the partition ends. */
  onFetched?: (partition: number, end: PartitionEnd) => void;
}

/** Offsets, as of a fetch. Commit markers take offsets too: `lastOffset` counts them. */
export interface PartitionEnd {
  /** The offset the next record will take. */
  highWatermark: number;
  /** The last offset this batch covers, commit markers included. */
  lastOffset: number;
  /** The last record the batch hands over. */
  lastRecordOffset: number;
}

const HEARTBEAT_INTERVAL_MS = 1_000;
const SESSION_TIMEOUT_MS = 15_000;
/** A member that has not fetched, heartbeated or joined for this long counts as disconnected. */
const STALE_AFTER_MS = 10_000;
/** Subscribing waits at most this long for the first fetch, which fixes a new group's start. */
const FIRST_FETCH_TIMEOUT_MS = 15_000;
/** Pause before replacing a consumer that crashed on a broker that was away or busy. */
const QUICK_RESTART_DELAY_MS = 500;
/** Pause before replacing a consumer that crashed on anything else. */
const RESTART_DELAY_MS = 5_000;

/**
 * One kafkajs consumer on one topic, a member of a group. An acked batch is committed at once; a
 * failed one is sought back and its partition paused for a back-off while the others flow.
 */
export class KafkaSubscription {
  private consumer: Consumer | undefined;
  private closing = false;
  private closed: Promise<void> | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly attempts = new Map<number, number>();
  private readonly watchdog: NodeJS.Timeout;
  private lastSeen = 0;
  private isConnected = false;
  private firstFetch: (() => void) | undefined;

  /**
   * A new kafkajs client per consumer: consumers of one group on one client share its offset
   * cache, and one's new assignment wipes the other's entries (TypeErrors in OffsetManager).
   */
  constructor(
    private readonly newClient: () => Kafka,
    readonly topic: string,
    private readonly options: KafkaSubscribeOptions,
    private readonly handler: BatchHandler,
    private readonly settings: KafkaBusSettings,
    private readonly onConnectionChange: () => void,
  ) {
    this.watchdog = setInterval(() => {
      if (this.isConnected && Date.now() - this.lastSeen > STALE_AFTER_MS) this.setConnected(false);
    }, 1_000);
    this.watchdog.unref();
  }

  get connected(): boolean {
    return this.isConnected;
  }

  /** Resolves once the member has joined its group and fetched once (or gave up waiting). */
  async start(): Promise<void> {
    const fetched = new Promise<void>((resolve) => {
      this.firstFetch = resolve;
      setTimeout(resolve, FIRST_FETCH_TIMEOUT_MS).unref();
    });
    await this.run();
    await fetched;
  }

  /** Stops taking batches, waits for the in-flight ones (committing those acked), leaves the group. */
  close(): Promise<void> {
    this.closed ??= this.shutdown();
    return this.closed;
  }

  private async shutdown(): Promise<void> {
    this.closing = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    clearInterval(this.watchdog);
    this.firstFetch?.();
    try {
      await this.consumer?.disconnect();
    } catch (err) {
      this.settings.logger.warn(
        { err, topic: this.topic, group: this.options.group },
        'KafkaBus: consumer did not disconnect cleanly',
      );
    }
    this.setConnected(false);
  }

  private async run(): Promise<void> {
    const consumer = this.newClient().consumer({
      groupId: this.options.group,
      partitionAssigners: [SubscriptionAwareRoundRobin],
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: this.settings.maxWaitTimeMs,
      sessionTimeout: SESSION_TIMEOUT_MS,
      heartbeatInterval: HEARTBEAT_INTERVAL_MS,
      // A crashed consumer is replaced by ours (see the CRASH listener), never restarted by
      // kafkajs, whose restart, still joining when the subscription closes, joins anyway.
      retry: { ...CLIENT_RETRY, restartOnFailure: () => Promise.resolve(false) },
    });
    this.consumer = consumer;
    this.instrument(consumer);
    try {
      await consumer.connect();
      if (!this.closing) {
        await consumer.subscribe({
          topics: [this.topic],
          fromBeginning: this.options.fromBeginning ?? true,
        });
        await consumer.run({
          eachBatchAutoResolve: false,
          // Commit as soon as a batch is resolved, rather than every 5 s.
          autoCommitThreshold: 1,
          partitionsConsumedConcurrently: this.settings.partitions,
          eachBatch: (payload) => this.onBatch(payload),
        });
      }
      // close() does not wait for a consumer still connecting: one that got through after it
      // leaves again at once instead of staying in the group.
      if (this.closing) await consumer.disconnect();
    } catch (err) {
      await consumer.disconnect().catch(() => undefined);
      throw err;
    }
  }

  private instrument(consumer: Consumer): void {
    const { CONNECT, GROUP_JOIN, FETCH, HEARTBEAT, DISCONNECT, CRASH } = consumer.events;
    const alive = () => {
      this.lastSeen = Date.now();
      if (!this.closing) this.setConnected(true);
    };
    consumer.on(CONNECT, alive);
    consumer.on(HEARTBEAT, alive);
    consumer.on(FETCH, () => {
      alive();
      this.firstFetch?.();
      this.firstFetch = undefined;
    });
    consumer.on(GROUP_JOIN, ({ payload }) => {
      alive();
      // Seeks are applied by the fetch that follows the join, before any batch is handed out.
      for (const partition of payload.memberAssignment[this.topic] ?? []) {
        const offset = this.options.startAt?.(partition);
        if (offset !== undefined)
          consumer.seek({ topic: this.topic, partition, offset: String(offset) });
      }
    });
    consumer.on(DISCONNECT, () => this.setConnected(false));
    consumer.on(CRASH, ({ payload }) => {
      this.setConnected(false);
      if (this.closing || this.consumer !== consumer) return;
      // Sooner when the broker was away or busy (kafkajs would have restarted by itself).
      const transient = isRetriableKafkaError(payload.error) || isBrokerUnavailable(payload.error);
      const restartInMs = transient ? QUICK_RESTART_DELAY_MS : RESTART_DELAY_MS;
      this.settings.logger.error(
        { err: payload.error, topic: this.topic, group: this.options.group, restartInMs },
        'KafkaBus: consumer crashed',
      );
      this.later(restartInMs, () => this.restart());
    });
  }

  /** Replaces the consumer with a new one. */
  private async restart(): Promise<void> {
    await this.consumer?.disconnect().catch(() => undefined);
    if (this.closing) return;
    try {
      await this.run();
    } catch (err) {
      this.settings.logger.error(
        { err, topic: this.topic, group: this.options.group },
        'KafkaBus: consumer restart failed; trying again',
      );
      this.later(RESTART_DELAY_MS, () => this.restart());
    }
  }

  private async onBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const heartbeat = () => payload.heartbeat();
    const first = batch.messages[0];
    const last = batch.messages.at(-1);
    // Once closing, a batch not yet started is left for the group's next owner of the partition.
    if (first === undefined || last === undefined || this.closing || payload.isStale()) return;
    this.options.onFetched?.(batch.partition, {
      highWatermark: Number(batch.highWatermark),
      lastOffset: Number(batch.lastOffset()),
      lastRecordOffset: Number(last.offset),
    });
    const deliveries = batch.messages.map((m) => toDelivery(batch.topic, batch.partition, m));
    // kafkajs heartbeats only between batches; keep a slow handler's member in the group.
    const keepAlive = setInterval(
      () => void heartbeat().catch(() => undefined),
      HEARTBEAT_INTERVAL_MS,
    );
    try {
      await this.handler(deliveries);
    } catch (error) {
      this.retryLater(payload, first.offset, deliveries, error);
      return;
    } finally {
      clearInterval(keepAlive);
    }
    this.attempts.delete(batch.partition);
    payload.resolveOffset(last.offset);
    await payload.commitOffsetsIfNecessary();
    await heartbeat();
  }

  private retryLater(
    payload: EachBatchPayload,
    firstOffset: string,
    deliveries: Delivery[],
    error: unknown,
  ): void {
    // Abandoned by a closing subscription, not failed: nothing was committed.
    if (this.closing || !payload.isRunning()) return;
    const { topic, partition } = payload.batch;
    const attempt = (this.attempts.get(partition) ?? 0) + 1;
    this.attempts.set(partition, attempt);
    try {
      this.settings.onHandlerError(error, {
        topic,
        group: this.options.group,
        partition,
        attempt,
        batch: deliveries,
      });
    } catch {
      // A failing error reporter must not stop redelivery.
    }
    // Explicit seek and commit, so that a new owner of the partition starts at this batch too.
    try {
      this.consumer?.seek({ topic, partition, offset: firstOffset });
    } catch {
      // Only when the consumer is restarting, which rereads from the committed position.
    }
    const resume = payload.pause();
    this.later(this.settings.retryDelayMs(attempt), resume);
  }

  private later(delayMs: number, action: () => unknown): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.closing) void action();
    }, delayMs);
    this.timers.add(timer);
  }

  private setConnected(connected: boolean): void {
    if (this.isConnected === connected) return;
    this.isConnected = connected;
    this.onConnectionChange();
  }
}

function toDelivery(topic: string, partition: number, message: KafkaMessage): Delivery {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    const one = Array.isArray(value) ? value.at(-1) : value;
    if (one !== undefined) headers[name] = one.toString();
  }
  const value = message.value;
  return {
    topic,
    partition,
    offset: Number(message.offset),
    key: message.key?.toString() ?? '',
    value: value
      ? new Uint8Array(value.buffer, value.byteOffset, value.byteLength)
      : new Uint8Array(0),
    headers,
  };
}
