import type { Transport } from '@fairflax/event-store';
import { openEventSource } from './event-source.js';
import { startKafkaRelay } from './relay.js';
import { followTopic } from './topic-follower.js';

/** TRANSPORT=kafka: the read side, the articles relay and topic followers on Kafka. */
export const kafkaTransport = {
  openEventSource,
  startRelay: startKafkaRelay,
  followTopic,
} satisfies Transport;
