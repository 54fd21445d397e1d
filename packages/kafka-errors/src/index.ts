export {
  classifyTransactionError,
  errorTypeOf,
  isBrokerUnavailable,
  type TransactionFailure,
} from './kafka-errors.js';
export { waitForLeaders } from './leaders.js';
