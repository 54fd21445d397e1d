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
export {
  atLeastOnceSink,
  memoryCheckpoint,
  relayEvents,
  relayToSink,
  type RelayOptions,
  type RelaySink,
} from './relay.js';
export {
  busEventSource,
  handedBatches,
  toSourceDelivery,
  type BusEventSourceOptions,
} from './event-source.js';
export { InProcessBus, inProcessFeatures } from './in-process/in-process-bus.js';
export type { InProcessBusOptions } from './in-process/options.js';
export {
  checkedOption,
  redeliveryDelay,
  type HandlerFailure,
  type RedeliveryOptions,
} from './redelivery.js';
