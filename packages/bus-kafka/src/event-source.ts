import {
  busEventSource,
  toBusMessage,
  type BusMessage,
  type FollowedSource,
  type FollowOptions,
  type MessageBus,
  type Subscription,
} from '@fairflax/bus';
import type { DeadLetter } from '@fairflax/event-store';
import { groupIdFor, logLevelFrom, parseBrokers, topicPrefixFrom } from './config.js';
import { sleep } from './clients.js';
import { KafkaBus } from './kafka-bus.js';
import { consoleLogger, type KafkaLogger } from './options.js';

/** The topics the articles relay writes (one per aggregate) and the read services follow. */
export const ARTICLE_LOG_TOPICS: readonly string[] = ['author', 'article'];

/** Where the read services put copies of the events they parked (after KAFKA_TOPIC_PREFIX). */
export const DEAD_LETTER_TOPIC = 'dead-letters';

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
 * The read model is the offset store: the runner saves each partition's last Kafka offset in the
 * same SQLite transaction as the change it made, and after every rebalance each partition is
 * sought to the offset after it, whatever the group committed. A partition the read model has
 * applied nothing from is read from its oldest message: a replica whose read model was deleted
 * rebuilds it instead of starting where the group left off. Batches are still committed to the
 * group once applied (for lag monitoring), and positions are the events' global positions, so a
 * redelivered event is skipped by the runner in any case. Consumers read committed data only:
 * the exactly-once relay's aborted transactions never reach a read model.
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
    batches: (from, signal, offsetOf) =>
      busEventSource(followingBus(bus, { from, offsetOf }, signal, logger), {
        topics,
        group,
      }).batches(from, signal),
    status,
    deadLetter: (letters) =>
      bus.publish(
        prefix + DEAD_LETTER_TOPIC,
        letters.map((letter) => deadLetterMessage(options.service, letter)),
      ),
    close: () => bus.close(),
  };
}

/**
 * A parked event as a dead-letter record: the event as it came (key, bytes, envelope headers)
 * plus who parked it, where it was, and why. The read model's own `dead_letters` table is the
 * record the replay works from; this topic is for watching and alerting across replicas, and
 * may hold a letter twice if the service crashed right after parking it.
 */
export function deadLetterMessage(service: string, letter: DeadLetter): BusMessage {
  const message = toBusMessage(letter.event);
  return {
    key: message.key,
    value: message.value,
    headers: {
      ...message.headers,
      'dead-letter-service': service,
      'dead-letter-projection': letter.projection,
      'dead-letter-source': letter.source,
      'dead-letter-position': String(letter.position),
      ...(letter.offset === undefined ? {} : { 'dead-letter-offset': String(letter.offset) }),
      'dead-letter-reason': letter.reason,
      'dead-letter-error': letter.error,
      'dead-letter-parked-at': letter.parkedAt,
      'dead-letter-attempts': String(letter.attempts),
    },
  };
}

/**
 * The bus as one `batches()` call of the event source sees it.
 *
 * - Every assigned partition starts after the read model's own offset for it (see openEventSource).
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
  readModel: {
    from: (source: string) => number;
    offsetOf: ((source: string) => number | undefined) | undefined;
  },
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
              { ...options, startAt: (partition) => startAt(readModel, `${topic}/${partition}`) },
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

/** Where a partition resumes: after the stored offset, from the start when nothing was applied. */
function startAt(
  readModel: {
    from: (source: string) => number;
    offsetOf: ((source: string) => number | undefined) | undefined;
  },
  source: string,
): number | undefined {
  const offset = readModel.offsetOf?.(source);
  if (offset !== undefined) return offset + 1;
  return readModel.from(source) === 0 ? 0 : undefined;
}
