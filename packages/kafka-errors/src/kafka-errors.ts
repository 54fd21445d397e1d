/**
 * What a kafkajs error means for the code that got it. Kafka reports errors by type and code,
 * kafkajs wraps them (a retried error ends up as the `cause` of KafkaJSNumberOfRetriesExceeded),
 * and some of its names differ from Java's; these functions look through the whole chain.
 */

/**
 * How a failed step of a Kafka transaction is handled:
 * - `fenced`: another producer with the same transactional id took over (or the coordinator
 *   expired ours). Retrying would be wrong, not just useless: the partition has a new owner.
 * - `transient`: the coordinator is busy or moving; the same transaction, started afresh after
 *   a pause, is expected to go through.
 * - `fatal`: anything else (a record too large, a missing topic, a bug). The committer does not
 *   retry it; the batch is rejected and the consumer redelivers it after its own back-off.
 */
export type TransactionFailure = 'fenced' | 'transient' | 'fatal';

/**
 * Kafka error types (kafkajs' names, which differ from Java's for codes 14 to 16) and codes.
 * PRODUCER_FENCED (90) is newer than kafkajs' table, which reports it as an unknown code; brokers
 * answer kafkajs' old request versions with INVALID_PRODUCER_EPOCH instead. INVALID_TXN_STATE and
 * INVALID_PRODUCER_ID_MAPPING mean the coordinator no longer knows our transaction as we do,
 * which after a takeover is the same situation.
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
/** kafkajs' own refusals when a previous operation on the producer has not settled (#430, #1068). */
const TRANSIENT_MESSAGES = /already an ongoing transaction|another (concurrent )?operation/i;

interface ErrorFields {
  name?: unknown;
  type?: unknown;
  code?: unknown;
  message?: unknown;
  cause?: unknown;
}

/** The error and the errors it wraps (kafkajs wraps retried errors in `cause`), outermost first. */
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

/** Classifies an error thrown by a kafkajs transaction call; a fence anywhere in the chain wins. */
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

/** The Kafka error type of a failure, for logs: the innermost one that has a type. */
export function errorTypeOf(err: unknown): string | undefined {
  const typed = chainOf(err).filter((e) => typeof e.type === 'string');
  const innermost = typed.at(-1)?.type;
  return typeof innermost === 'string' ? innermost : undefined;
}

/**
 * Whether kafkajs would restart a consumer that crashed with this error (when its
 * `restartOnFailure` allows it): its retries ran out, or the original error is retriable.
 */
export function isRetriableKafkaError(err: unknown): boolean {
  const chain = chainOf(err);
  if (chain[0]?.name === 'KafkaJSNumberOfRetriesExceeded') return true;
  return (chain.at(-1) as { retriable?: unknown } | undefined)?.retriable === true;
}

/**
 * kafkajs errors that mean no broker (or no group coordinator) could be reached. kafkajs gives
 * up on some of them as "non-retriable" (KafkaJSGroupCoordinatorNotFound when every broker
 * refused the connection, during a broker restart), so a consumer that crashed with one will
 * not restart by itself, although the same call succeeds once the broker is back.
 */
const UNREACHABLE_NAMES = new Set([
  ...TRANSIENT_NAMES,
  'KafkaJSGroupCoordinatorNotFound',
  'KafkaJSBrokerNotFound',
  'KafkaJSMetadataNotLoaded',
  'KafkaJSLockTimeout',
]);

/**
 * True when an error says the cluster could not be reached or was moving (a broker restarting,
 * a coordinator or leader moving), rather than that a request or a record was wrong. A client
 * that fails with one should start again after a pause, however kafkajs labelled it.
 */
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
