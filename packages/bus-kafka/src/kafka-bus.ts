import { setMaxListeners } from 'node:events';
import type {
  BatchHandler,
  BusFeatures,
  BusMessage,
  MessageBus,
  Subscription,
} from '@fairflax/bus';
import { Kafka, Partitioners, type Admin, type KafkaConfig, type Producer } from 'kafkajs';
import { createTopics, kafkaLogCreator } from '@fairflax/kafka-kit';
import {
  CLIENT_RETRY,
  resolveSettings,
  type KafkaBusOptions,
  type KafkaBusSettings,
} from './options.js';
import { connecting, LEADER_WAIT_MS, sleep, type Connecting } from './clients.js';
import { KafkaSubscription, type KafkaSubscribeOptions } from './subscription.js';
import { toRecord } from './records.js';

export const kafkaFeatures: BusFeatures = Object.freeze({
  orderedPerKey: true,
  consumerGroups: true,
  persistent: true,
  stableOffsets: true,
});

/**
 * The message bus on Kafka. Topics are created on first use. `publish` goes through one
 * idempotent producer, one request in flight, keyed by message key: per-key order, acked by all
 * in-sync replicas, retried with a fresh producer until `publishTimeoutMs` (at-least-once).
 * Each `subscribe` is one consumer in the given group (see KafkaSubscription).
 */
export class KafkaBus implements MessageBus {
  private readonly settings: KafkaBusSettings;
  private readonly kafka: Kafka;
  private readonly config: KafkaConfig;
  private readonly topics = new Map<string, Promise<void>>();
  private readonly subscriptions = new Set<KafkaSubscription>();
  private readonly closing = new AbortController();
  private producer: Connecting<Producer> | undefined;
  private admin: Connecting<Admin> | undefined;
  private closed: Promise<void> | undefined;
  private reportedConnected = false;

  constructor(options: KafkaBusOptions) {
    this.settings = resolveSettings(options);
    // Every publish and subscribe under way listens for the close: many at once is normal.
    setMaxListeners(10_000, this.closing.signal);
    this.config = {
      clientId: this.settings.clientId,
      brokers: this.settings.brokers,
      logLevel: this.settings.logLevel,
      logCreator: kafkaLogCreator(this.settings.logger),
      connectionTimeout: 3_000,
      retry: CLIENT_RETRY,
    };
    this.kafka = new Kafka(this.config);
  }

  /** The bus's kafkajs client, for writers the port does not cover (transactions). */
  get client(): Kafka {
    return this.kafka;
  }

  /** True once `close` was called. */
  get isClosed(): boolean {
    return this.closing.signal.aborted;
  }

  /** True while there are subscriptions and every one of them is in touch with its group. */
  get connected(): boolean {
    return this.subscriptions.size > 0 && [...this.subscriptions].every((s) => s.connected);
  }

  async publish(topic: string, messages: readonly BusMessage[]): Promise<void> {
    this.assertOpen('publish');
    if (messages.length === 0) return;
    const records = messages.map(toRecord);
    const deadline = Date.now() + this.settings.publishTimeoutMs;
    for (let attempt = 1; ; attempt++) {
      let producer: Connecting<Producer> | undefined;
      try {
        await this.untilClosed('publish', this.ensureTopic(topic));
        producer = this.connectedProducer();
        const ready = producer.ready;
        await this.untilClosed(
          'publish',
          ready.then((p) => p.send({ topic, messages: records })),
        );
        if (attempt > 1)
          this.settings.logger.info({ topic, attempt }, 'KafkaBus: publish went through');
        return;
      } catch (err) {
        this.assertOpen('publish');
        if (producer) this.discardProducer(producer);
        if (Date.now() >= deadline) {
          throw new Error(
            `KafkaBus could not publish to ${topic} within ${this.settings.publishTimeoutMs} ms`,
            { cause: err },
          );
        }
        this.settings.logger.warn({ err, topic, attempt }, 'KafkaBus: publish failed; retrying');
        await sleep(Math.min(250 * 2 ** (attempt - 1), 5_000), this.closing.signal);
        this.assertOpen('publish');
      }
    }
  }

  async subscribe(
    topic: string,
    options: KafkaSubscribeOptions,
    handler: BatchHandler,
  ): Promise<Subscription> {
    await this.untilClosed('subscribe', this.ensureTopic(topic));
    const subscription = new KafkaSubscription(
      () => new Kafka(this.config),
      topic,
      options,
      handler,
      this.settings,
      () => this.connectionChanged(),
    );
    this.subscriptions.add(subscription);
    const forget = async () => {
      await subscription.close();
      this.subscriptions.delete(subscription);
      this.connectionChanged();
    };
    try {
      await this.untilClosed('subscribe', subscription.start());
    } catch (err) {
      await forget();
      throw err;
    }
    let leaving: Promise<void> | undefined;
    return { close: () => (leaving ??= forget()) };
  }

  /** Closes every subscription (each after its in-flight batches), then the producer; pending and later calls reject. */
  close(): Promise<void> {
    this.closed ??= this.shutdown();
    return this.closed;
  }

  private async shutdown(): Promise<void> {
    this.closing.abort();
    await Promise.all([...this.subscriptions].map((s) => s.close()));
    this.subscriptions.clear();
    // Straight to disconnect, without waiting for a connect that may be retrying.
    const clients = [this.producer?.client, this.admin?.client].filter((c) => c !== undefined);
    await Promise.all(clients.map((client) => client.disconnect().catch(() => undefined)));
  }

  /** `work`, or a rejection as soon as the bus closes: a close never waits out kafkajs' retries. */
  private untilClosed<T>(operation: string, work: Promise<T>): Promise<T> {
    const { signal } = this.closing;
    work.catch(() => undefined);
    this.assertOpen(operation);
    return new Promise<T>((resolve, reject) => {
      const onClose = () => reject(new Error(`KafkaBus is closed: cannot ${operation}`));
      signal.addEventListener('abort', onClose, { once: true });
      work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onClose));
    });
  }

  /** Creates `topic` unless it exists and waits for its leaders; writers bypassing `publish` call it. */
  ensureTopic(topic: string, partitions = this.settings.partitions): Promise<void> {
    let ready = this.topics.get(topic);
    if (!ready) {
      const creating = this.createTopic(topic, partitions);
      this.topics.set(topic, creating);
      // Forget a failed attempt so the next call tries again.
      creating.catch(() => this.topics.get(topic) === creating && this.topics.delete(topic));
      ready = creating;
    }
    return ready;
  }

  private async createTopic(topic: string, partitions: number): Promise<void> {
    const admin = this.connectedAdmin();
    const configs = this.settings.topicConfigs[topic];
    try {
      await createTopics(await admin.ready, [{ name: topic, partitions, configs }], LEADER_WAIT_MS);
    } catch (err) {
      this.discardAdmin(admin);
      throw err;
    }
  }

  private connectedProducer(): Connecting<Producer> {
    this.producer ??= connecting(
      this.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        createPartitioner: Partitioners.DefaultPartitioner,
        retry: { ...CLIENT_RETRY, retries: 5 },
      }),
    );
    return this.producer;
  }

  private discardProducer(producer: Connecting<Producer>): void {
    if (this.producer !== producer) return;
    this.producer = undefined;
    producer.client.disconnect().catch(() => undefined);
  }

  private connectedAdmin(): Connecting<Admin> {
    this.admin ??= connecting(this.kafka.admin({ retry: CLIENT_RETRY }));
    return this.admin;
  }

  private discardAdmin(admin: Connecting<Admin>): void {
    if (this.admin !== admin) return;
    this.admin = undefined;
    admin.client.disconnect().catch(() => undefined);
  }

  private connectionChanged(): void {
    const connected = this.connected;
    if (connected === this.reportedConnected) return;
    this.reportedConnected = connected;
    try {
      this.settings.onConnectionChange(connected);
    } catch (err) {
      this.settings.logger.error({ err }, 'KafkaBus: onConnectionChange threw');
    }
  }

  private assertOpen(operation: string): void {
    if (this.closing.signal.aborted) throw new Error(`KafkaBus is closed: cannot ${operation}`);
  }
}
