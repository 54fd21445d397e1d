export type {
  BatchHandler,
  BusFeatures,
  BusMessage,
  Delivery,
  MessageBus,
  SubscribeOptions,
  Subscription,
} from './port.js';
