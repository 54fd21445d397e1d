import { handedBatches, type Delivery, type Subscription } from '@fairflax/bus';
import type {
  AppliedPositions,
  FollowedSource,
  FollowOptions,
  Delivery as SourceDelivery,
  TopicRecord,
} from '@fairflax/event-store';
import { consoleLogger, kafkaConnection, type KafkaLogger } from '@fairflax/kafka-kit';
import { groupIdFor } from './config.js';
import { sleep } from './clients.js';
import { KafkaBus } from './kafka-bus.js';
import type { PartitionEnd } from './subscription.js';

/** The topics the articles relay writes (one per aggregate) and the read services follow. */
export const ARTICLE_LOG_TOPICS: readonly string[] = ['author', 'article'];

export interface KafkaSourceStatus {
  transport: 'kafka';
  brokers: string[];
  group: string;
  topics: string[];
  connected: boolean;
  /** Times the connection to the group came back after it was lost (a re-join included). */
  reconnects: number;
}

type ReadModel = {
  from: (source: string) => number;
  offsetOf: ((source: string) => number | undefined) | undefined;
};

/**
 * TRANSPORT=kafka's read side: group `fairflax-<service>-<replica>` per replica. The read model
 * is the offset store: after each rebalance a partition resumes after the offset it applied
 * last (from the start when none), whatever the group committed. See README.md, "Kafka".
 */
export function openEventSource(options: FollowOptions): Promise<FollowedSource> {
  // A bad setting rejects (a ConfigError naming the variable) rather than throwing.
  return new Promise((resolve) => resolve(new KafkaEventSource(options)));
}

class KafkaEventSource implements FollowedSource {
  private readonly bus: KafkaBus;
  private readonly brokers: string[];
  private readonly group: string;
  private readonly topics: string[];
  private readonly topicPrefix: string;
  private readonly logger: KafkaLogger;
  private connected = false;
  private everConnected = false;
  private reconnects = 0;
  /** Per `topic/partition`, as of its last fetch. */
  private readonly ends = new Map<string, PartitionEnd>();

  constructor(private readonly options: FollowOptions) {
    const { brokers, topicPrefix, logLevel } = kafkaConnection(options.env);
    this.brokers = brokers;
    this.group = groupIdFor(options.service, options.env);
    this.topics = ARTICLE_LOG_TOPICS.map((topic) => topicPrefix + topic);
    this.topicPrefix = topicPrefix;
    this.logger = options.logger ?? consoleLogger;
    this.bus = new KafkaBus({
      brokers,
      clientId: this.group,
      logLevel,
      logger: this.logger,
      onConnectionChange: (now) => {
        if (now && this.everConnected) this.reconnects++;
        this.everConnected ||= now;
        this.connected = now;
        options.onConnectionChange?.(now, this.status());
      },
    });
  }

  status(): KafkaSourceStatus {
    const { brokers, group, topics, connected, reconnects } = this;
    return { transport: 'kafka', brokers, group, topics, connected, reconnects };
  }

  /** Per partition; commit markers after the last record applied do not count. */
  backlog(applied: AppliedPositions): ReadonlyMap<string, number> {
    const backlog = new Map<string, number>();
    for (const [source, end] of this.ends) {
      const offset = applied.offset(source) ?? -1;
      const last = offset >= end.lastRecordOffset ? end.lastOffset : offset;
      backlog.set(source, Math.max(0, end.highWatermark - 1 - last));
    }
    return backlog;
  }

  publish(topic: string, records: readonly TopicRecord[]): Promise<void> {
    return this.bus.publish(this.topicPrefix + topic, records);
  }

  close(): Promise<void> {
    return this.bus.close();
  }

  /** Each topic's member hands its batch over and waits until the runner asks for the next one. */
  batches(
    from: (source: string) => number,
    signal: AbortSignal,
    offsetOf?: (source: string) => number | undefined,
  ): AsyncIterable<readonly SourceDelivery[]> {
    const members = (hand: (batch: readonly Delivery[]) => Promise<void>) =>
      Promise.resolve(
        this.topics.map((topic) => this.member(topic, { from, offsetOf }, hand, signal)),
      );
    return handedBatches(members, signal);
  }

  /**
   * One group member on `topic`, joining in the background: the topics' members share a group and
   * each holds its batch until the runner takes the next, so awaited joins would deadlock. On
   * abort its in-flight batch is abandoned uncommitted, to come again.
   */
  private member(
    topic: string,
    readModel: ReadModel,
    hand: (batch: readonly Delivery[]) => Promise<void>,
    signal: AbortSignal,
  ): Subscription {
    const { bus, group, logger } = this;
    let abandon: (reason: unknown) => void = () => undefined;
    const abandoned = new Promise<never>((_, reject) => (abandon = reject));
    abandoned.catch(() => undefined);
    let subscription: Subscription | undefined;
    let stopping = false;
    const join = async () => {
      for (let attempt = 1; !stopping && !bus.isClosed; attempt++) {
        try {
          subscription = await bus.subscribe(
            topic,
            {
              group,
              startAt: (partition) => startAt(readModel, `${topic}/${partition}`),
              onFetched: (partition, end) => this.ends.set(`${topic}/${partition}`, end),
            },
            (batch) => Promise.race([hand(batch), abandoned]),
          );
          if (stopping) await subscription.close();
          return;
        } catch (err) {
          if (stopping || bus.isClosed) return;
          logger.warn(
            { err, topic, group, attempt },
            'Kafka event source: cannot subscribe yet; retrying',
          );
          await sleep(Math.min(500 * 2 ** (attempt - 1), 10_000), signal);
        }
      }
    };
    void join();
    let closing: Promise<void> | undefined;
    // Does not wait for a join still under way (it may be waiting out an unreachable broker).
    const close = () =>
      (closing ??= (async () => {
        stopping = true;
        // Marks the subscription closing (synchronously) before its batch is abandoned.
        const closed = subscription?.close();
        abandon(new Error('the event source was stopped'));
        await closed;
      })());
    if (signal.aborted) void close();
    else signal.addEventListener('abort', () => void close(), { once: true });
    return { close };
  }
}

/** Where a partition resumes: after the stored offset, from the start when nothing was applied. */
function startAt(readModel: ReadModel, source: string): number | undefined {
  const offset = readModel.offsetOf?.(source);
  if (offset !== undefined) return offset + 1;
  return readModel.from(source) === 0 ? 0 : undefined;
}
