export type {
  AppendOptions,
  AppendResult,
  EventStore,
  ExpectedVersion,
  NewEvent,
  StoredEvent,
  SubscribeOptions,
} from './port.js';
export type { Delivery, EventSource } from './source.js';
export { ConcurrencyError } from './errors.js';
export { InMemoryEventStore } from './in-memory.js';
export type {
  AppliedPositions,
  FollowedSource,
  FollowedTopic,
  FollowOptions,
  FollowTopicOptions,
  RelayCheckpoint,
  RunningRelay,
  TopicRecord,
  Transport,
  TransportLogger,
  TransportRelayOptions,
} from './transport.js';
