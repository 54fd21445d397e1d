export {
  causedBy,
  classifyTransactionError,
  errorTypeOf,
  isBrokerUnavailable,
  isRetriableKafkaError,
  type TransactionFailure,
} from './kafka-errors.js';
export { waitForLeaders } from './leaders.js';
