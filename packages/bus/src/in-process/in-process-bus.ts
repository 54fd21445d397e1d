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
 * `publish` waits until every group with members is within `maxLag`. A message is dropped once
 * every group acked it (a group that left pins memory) and it is past the latest `retain`.
 * A handler that publishes to the topic it consumes can deadlock under backpressure.
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
    // Wait after appending: a resolved publish leaves every group within maxLag, however large.
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

  /** Pending and later calls reject. */
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
