import { busEventSource, type MessageBus, type Subscription } from '@fairflax/bus';
import type { FollowedSource, FollowOptions } from '@fairflax/publishing-api';
import { groupIdFor, logLevelFrom, parseBrokers, topicPrefixFrom } from './config.js';
import { sleep } from './clients.js';
import { KafkaBus } from './kafka-bus.js';
import { consoleLogger, type KafkaLogger } from './options.js';

/** The topics the articles relay writes (one per aggregate) and the read services follow. */
export const ARTICLE_LOG_TOPICS: readonly string[] = ['author', 'article'];

export interface KafkaSourceStatus {
  transport: 'kafka';
  brokers: string[];
  group: string;
  topics: string[];
  connected: boolean;
}

/**
 * The read side's Kafka transport (TRANSPORT=kafka): follows the `author` and `article` topics
 * as consumer group `fairflax-<service>-<replica>`, one group per replica (REPLICA_ID, or a
 * hash of DATA_DIR), so every replica consumes every partition into its own read model.
 * KAFKA_BROKERS (default 127.0.0.1:9092), KAFKA_TOPIC_PREFIX and KAFKA_LOG_LEVEL configure it.
 *
 * Batches are acked to Kafka only after the projection has committed them (positions are the
 * events' global positions, so redeliveries are skipped by the runner). A partition the read
 * model has applied nothing from is read from its oldest message whatever the group committed:
 * a replica whose read model was deleted rebuilds it instead of starting where it left off.
 */
export function openEventSource(
  options: FollowOptions & { logger?: KafkaLogger },
): Promise<FollowedSource> {
  // A bad setting rejects (KafkaConfigError naming the variable) rather than throwing.
  return new Promise((resolve) => resolve(kafkaSource(options)));
}

function kafkaSource(options: FollowOptions & { logger?: KafkaLogger }): FollowedSource {
  const brokers = parseBrokers(options.env['KAFKA_BROKERS']);
  const group = groupIdFor(options.service, options.env);
  const prefix = topicPrefixFrom(options.env);
  const topics = ARTICLE_LOG_TOPICS.map((topic) => prefix + topic);
  const logger = options.logger ?? consoleLogger;
  let connected = false;
  const status = (): KafkaSourceStatus => ({
    transport: 'kafka',
    brokers,
    group,
    topics,
    connected,
  });
  const bus = new KafkaBus({
    brokers,
    clientId: group,
    logLevel: logLevelFrom(options.env),
    logger,
    onConnectionChange: (now) => {
      connected = now;
      options.onConnectionChange?.(now, status());
    },
  });
  return {
    batches: (from, signal) =>
      busEventSource(followingBus(bus, from, signal, logger), { topics, group }).batches(
        from,
        signal,
      ),
    status,
    close: () => bus.close(),
  };
}

/**
 * The bus as one `batches()` call of the event source sees it.
 *
 * - Partitions the read model has nothing from are rewound (see openEventSource).
 * - `subscribe` resolves at once and joins the group in the background, retrying until it
 *   works. busEventSource subscribes to every topic before it hands out a batch, and holds each
 *   handler until the runner takes the next batch; the topics' consumers share one group, so
 *   the second one's join waits for the first to finish its batch and rejoin: awaited here, the
 *   joins would wait for each other forever.
 * - When `signal` aborts, each subscription starts closing and then its in-flight batch is
 *   abandoned (not committed, so it comes again next time): busEventSource would otherwise
 *   hold it, and the close waiting for it, forever.
 */
function followingBus(
  bus: KafkaBus,
  from: (source: string) => number,
  signal: AbortSignal,
  logger: KafkaLogger,
): MessageBus {
  return {
    publish: (topic, messages) => bus.publish(topic, messages),
    close: () => bus.close(),
    subscribe(topic, options, handler): Promise<Subscription> {
      let abandon: (reason: unknown) => void = () => undefined;
      const abandoned = new Promise<never>((_, reject) => (abandon = reject));
      abandoned.catch(() => undefined);
      let subscription: Subscription | undefined;
      let stopping = false;
      const joining = async () => {
        for (let attempt = 1; !stopping && !bus.isClosed; attempt++) {
          try {
            subscription = await bus.subscribe(
              topic,
              { ...options, rewind: (partition) => from(`${topic}/${partition}`) === 0 },
              (batch) => Promise.race([handler(batch), abandoned]),
            );
            // Joined only after the source stopped: leave again.
            if (stopping) await subscription.close();
            return;
          } catch (err) {
            if (stopping || bus.isClosed) return;
            logger.warn(
              { err, topic, group: options.group, attempt },
              'Kafka event source: cannot subscribe yet; retrying',
            );
            await sleep(Math.min(500 * 2 ** (attempt - 1), 10_000), signal);
          }
        }
      };
      void joining();
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
      return Promise.resolve({ close });
    },
  };
}
