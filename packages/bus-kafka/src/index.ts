export { KafkaBus, kafkaFeatures } from './kafka-bus.js';
export type { KafkaBusOptions } from './options.js';
export type { KafkaSubscribeOptions } from './subscription.js';
export { ARTICLE_LOG_TOPICS, openEventSource, type KafkaSourceStatus } from './event-source.js';
export { kafkaTransport } from './transport.js';
export {
  startKafkaRelay,
  type KafkaRelay,
  type KafkaRelayOptions,
  type KafkaRelayStatus,
} from './relay.js';
export { groupIdFor, replicaId } from './config.js';
export { followTopic } from './topic-follower.js';
