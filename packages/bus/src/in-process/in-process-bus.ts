import type {
  BatchHandler,
  BusFeatures,
  BusMessage,
  MessageBus,
  SubscribeOptions,
  Subscription,
} from '../port.js';
import { ConsumerGroup } from './consumer-group.js';
import { resolveSettings, type BusSettings, type InProcessBusOptions } from './options.js';
import { Topic } from './topic.js';

export const inProcessFeatures: BusFeatures = Object.freeze({
  orderedPerKey: true,
  consumerGroups: true,
  persistent: false,
  stableOffsets: true,
});

/**
 * The message bus inside one process: for running every service in one process, and for tests.
 *
 * Each topic is an in-memory log of `partitions` partitions (a key's partition is a stable hash
 * of it). Each consumer group keeps a committed offset per partition, for the life of this bus
 * instance; its members share the partitions round-robin, rebalanced as they join and leave.
 *
 * Memory is bounded by backpressure: `publish` appends, then waits until every group with
 * members is within `maxLag` messages of the end of each partition it wrote to. A message is
 * forgotten once every group, with members or not, has acked it and it is no longer among the
 * partition's latest `retain`. So a group that left pins its messages (and memory) until it
 * returns. A handler that publishes to the topic it consumes can deadlock under backpressure.
 */
export class InProcessBus implements MessageBus {
  private readonly settings: BusSettings;
  private readonly topics = new Map<string, Topic>();
  private readonly closing = new AbortController();
  private closed: Promise<void> | undefined;

  constructor(options: InProcessBusOptions = {}) {
    this.settings = resolveSettings(options);
  }

  async publish(topicName: string, messages: readonly BusMessage[]): Promise<void> {
    this.assertOpen('publish');
    const topic = this.topic(topicName);
    const written = new Set<number>();
    for (const message of messages) {
      const partition = topic.partitionOf(message.key);
      topic.log(partition).append(message);
      written.add(partition);
    }
    for (const partition of written) topic.trim(partition);
    // Waiting after appending, rather than before, means a resolved publish leaves every
    // subscribed group within maxLag, however many messages the call carried.
    for (;;) {
      this.assertOpen('publish');
      if ([...written].every((partition) => topic.lag(partition) <= this.settings.maxLag)) return;
      await topic.progress.wait(this.closing.signal);
    }
  }

  async subscribe(
    topicName: string,
    options: SubscribeOptions,
    handler: BatchHandler,
  ): Promise<Subscription> {
    this.assertOpen('subscribe');
    const topic = this.topic(topicName);
    let group = topic.groups.get(options.group);
    if (!group) {
      group = new ConsumerGroup(topic, options.group, options.fromBeginning ?? true, this.settings);
      topic.groups.set(options.group, group);
    }
    const member = { handler };
    const joined = group;
    await joined.join(member);
    let leaving: Promise<void> | undefined;
    return { close: () => (leaving ??= joined.leave(member)) };
  }

  /** Stops every delivery loop after its in-flight batch; pending and later calls reject. */
  close(): Promise<void> {
    this.closed ??= this.stopAll();
    return this.closed;
  }

  private async stopAll(): Promise<void> {
    this.closing.abort();
    const groups = [...this.topics.values()].flatMap((topic) => [...topic.groups.values()]);
    await Promise.all(groups.map((group) => group.stop()));
  }

  private topic(name: string): Topic {
    let topic = this.topics.get(name);
    if (!topic) {
      topic = new Topic(name, this.settings.partitions, this.settings.retain);
      this.topics.set(name, topic);
    }
    return topic;
  }

  private assertOpen(operation: string): void {
    if (this.closing.signal.aborted) throw new Error(`InProcessBus is closed: cannot ${operation}`);
  }
}
