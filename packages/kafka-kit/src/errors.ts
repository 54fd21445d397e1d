import type { RetryOptions } from 'kafkajs';

// kafkajs wraps retried errors in `cause` and renames some types: look through the whole chain.

/** `fenced`: a new owner took over, so retrying would be wrong; `transient`: try afresh. */
export type TransactionFailure = 'fenced' | 'transient' | 'fatal';

/**
 * Brokers answer kafkajs' old request versions INVALID_PRODUCER_EPOCH, not PRODUCER_FENCED (90);
 * after a takeover, INVALID_TXN_STATE and INVALID_PRODUCER_ID_MAPPING mean the same.
 */
const FENCED = new Set([
  'INVALID_PRODUCER_EPOCH',
  'PRODUCER_FENCED',
  'INVALID_TXN_STATE',
  'INVALID_PRODUCER_ID_MAPPING',
]);
const FENCED_CODES = new Set([47, 48, 49, 90]);

const TRANSIENT = new Set([
  // The previous transaction's markers are still being written: kafkajs #1315 (between
  // back-to-back transactions), and AddOffsetsToTxn, which kafkajs does not retry (#430, #1068).
  'CONCURRENT_TRANSACTIONS',
  // COORDINATOR_LOAD_IN_PROGRESS, COORDINATOR_NOT_AVAILABLE, NOT_COORDINATOR in Java's names.
  'GROUP_LOAD_IN_PROGRESS',
  'GROUP_COORDINATOR_NOT_AVAILABLE',
  'NOT_COORDINATOR_FOR_GROUP',
  'COORDINATOR_LOAD_IN_PROGRESS',
  'COORDINATOR_NOT_AVAILABLE',
  'NOT_COORDINATOR',
  'REQUEST_TIMED_OUT',
  'NETWORK_EXCEPTION',
  'NOT_LEADER_FOR_PARTITION',
  'NOT_ENOUGH_REPLICAS',
  'LEADER_NOT_AVAILABLE',
]);
const TRANSIENT_CODES = new Set([7, 13, 14, 15, 16, 19, 51]);
const TRANSIENT_NAMES = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
]);
/** kafkajs' refusals while a previous operation on the producer has not settled (#430, #1068). */
const TRANSIENT_MESSAGES = /already an ongoing transaction|another (concurrent )?operation/i;

interface ErrorFields {
  name?: unknown;
  type?: unknown;
  code?: unknown;
  message?: unknown;
  cause?: unknown;
}

function chainOf(err: unknown): ErrorFields[] {
  const chain: ErrorFields[] = [];
  let current: unknown = err;
  while (typeof current === 'object' && current !== null && chain.length < 8) {
    const fields = current as ErrorFields;
    chain.push(fields);
    current = fields.cause;
  }
  return chain;
}

/** Whether `err`, or an error it was caused by, is a `type`. */
export function causedBy(err: unknown, type: new (...args: never[]) => Error): boolean {
  return chainOf(err).some((e) => e instanceof type);
}

/** A fence anywhere in the chain wins. */
export function classifyTransactionError(err: unknown): TransactionFailure {
  const chain = chainOf(err);
  const is = (types: Set<string>, codes: Set<number>) =>
    chain.some(
      (e) =>
        (typeof e.type === 'string' && types.has(e.type)) ||
        (typeof e.code === 'number' && codes.has(e.code)),
    );
  if (is(FENCED, FENCED_CODES)) return 'fenced';
  if (is(TRANSIENT, TRANSIENT_CODES)) return 'transient';
  const transient = chain.some(
    (e) =>
      (typeof e.name === 'string' && TRANSIENT_NAMES.has(e.name)) ||
      (typeof e.message === 'string' && TRANSIENT_MESSAGES.test(e.message)),
  );
  return transient ? 'transient' : 'fatal';
}

/** The innermost type in the chain, for logs. */
export function errorTypeOf(err: unknown): string | undefined {
  const typed = chainOf(err).filter((e) => typeof e.type === 'string');
  const innermost = typed.at(-1)?.type;
  return typeof innermost === 'string' ? innermost : undefined;
}

/** kafkajs' own rule for restarting a crashed consumer. */
export function isRetriableKafkaError(err: unknown): boolean {
  const chain = chainOf(err);
  if (chain[0]?.name === 'KafkaJSNumberOfRetriesExceeded') return true;
  return (chain.at(-1) as { retriable?: unknown } | undefined)?.retriable === true;
}

/** kafkajs gives up on some, though the same call succeeds once the broker is back. */
const UNREACHABLE_NAMES = new Set([
  ...TRANSIENT_NAMES,
  'KafkaJSGroupCoordinatorNotFound',
  'KafkaJSBrokerNotFound',
  'KafkaJSMetadataNotLoaded',
  'KafkaJSLockTimeout',
]);

/** Unreachable or moving (not a bad request): start again after a pause, whatever kafkajs says. */
export function isBrokerUnavailable(err: unknown): boolean {
  const chain = chainOf(err);
  if (chain.some((e) => typeof e.name === 'string' && UNREACHABLE_NAMES.has(e.name))) return true;
  return chain.some(
    (e) =>
      (typeof e.type === 'string' &&
        TRANSIENT.has(e.type) &&
        e.type !== 'CONCURRENT_TRANSACTIONS') ||
      (typeof e.code === 'number' && TRANSIENT_CODES.has(e.code) && e.code !== 51),
  );
}

/**
 * Retries for a transactional producer: right after a commit the coordinator answers the next
 * transaction's first request CONCURRENT_TRANSACTIONS until its markers are written, and
 * kafkajs' default first pause of 300 ms would be added to every such transaction.
 */
export const TRANSACTIONAL_PRODUCER_RETRY: RetryOptions = {
  retries: 6,
  initialRetryTime: 20,
  maxRetryTime: 1_000,
};
