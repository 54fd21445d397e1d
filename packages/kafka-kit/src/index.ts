export {
  causedBy,
  classifyTransactionError,
  errorTypeOf,
  isBrokerUnavailable,
  isRetriableKafkaError,
  TRANSACTIONAL_PRODUCER_RETRY,
  type TransactionFailure,
} from './errors.js';
export {
  brokersFrom,
  DEFAULT_BROKERS,
  DELIVERY_GUARANTEES,
  deliveryFrom,
  kafkaConnection,
  logLevelFrom,
  partitionsFrom,
  topicPrefixFrom,
  type DeliveryGuarantee,
  type KafkaConnection,
} from './config.js';
export {
  consoleLogger,
  kafkaLogCreator,
  kafkaLogLevel,
  type KafkaLogger,
  type KafkaLogLevel,
} from './log.js';
export { createTopics, waitForLeaders, type NewTopic } from './topics.js';
