export type {
  BatchHandler,
  BusFeatures,
  BusMessage,
  Delivery,
  MessageBus,
  SubscribeOptions,
  Subscription,
} from './port.js';
export { aggregateOf, fromDelivery, MalformedMessageError, toBusMessage } from './envelope.js';
export { memoryCheckpoint, relayEvents, type RelayCheckpoint, type RelayOptions } from './relay.js';
export { busEventSource, type BusEventSourceOptions } from './event-source.js';
