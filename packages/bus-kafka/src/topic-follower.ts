import type { FollowTopicOptions, FollowedTopic } from '@fairflax/event-store';
import { consoleLogger, kafkaConnection } from '@fairflax/kafka-kit';
import { groupIdFor } from './config.js';
import { KafkaBus } from './kafka-bus.js';

/**
 * Follows a topic that is not the event log, such as the stream processor's compacted
 * `article-stats`, as a consumer group of its own per replica: each replica sees every key,
 * and a record is acked only once `onRecords` has returned (at-least-once; the records are
 * current values per key, so applying one again is harmless).
 */
export async function followTopic(options: FollowTopicOptions): Promise<FollowedTopic> {
  const { brokers, topicPrefix, logLevel } = kafkaConnection(options.env);
  const topic = topicPrefix + options.topic;
  const group = groupIdFor(`${options.service}-${options.topic}`, options.env);
  // The topic's producer may start later: if this creates it, it is created compacted, a table
  // of current values per key, as its producer expects.
  const bus = new KafkaBus({
    brokers,
    clientId: group,
    logLevel,
    logger: options.logger ?? consoleLogger,
    topicConfigs: { [topic]: { 'cleanup.policy': 'compact' } },
  });
  const subscription = await bus.subscribe(topic, { group, fromBeginning: true }, async (batch) => {
    await options.onRecords(batch.map((d) => ({ key: d.key, value: d.value })));
  });
  return {
    close: async () => {
      await subscription.close();
      await bus.close();
    },
  };
}
