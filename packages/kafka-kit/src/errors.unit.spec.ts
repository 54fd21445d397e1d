import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { classifyTransactionError, isBrokerUnavailable, isRetriableKafkaError } from './errors.js';

const {
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSConnectionError,
  KafkaJSNonRetriableError,
  KafkaJSProtocolError,
  KafkaJSGroupCoordinatorNotFound,
} = kafkajs;

// kafkajs' typings give this class no constructor arguments, but it needs its message.
const coordinatorNotFound = Reflect.construct(KafkaJSGroupCoordinatorNotFound, [
  'Failed to find group coordinator',
]) as Error;

/** A broker's error answer as kafkajs reports it: kafkajs' type name and the protocol code. */
function protocolError(type: string, code: number): Error {
  return new KafkaJSProtocolError(
    Object.assign(new Error(`broker answered ${type}`), { type, code, retriable: code !== 47 }),
  );
}

describe('classifying transaction errors', () => {
  it.each([
    ['CONCURRENT_TRANSACTIONS', protocolError('CONCURRENT_TRANSACTIONS', 51), 'transient'],
    ['COORDINATOR_LOAD_IN_PROGRESS', protocolError('GROUP_LOAD_IN_PROGRESS', 14), 'transient'],
    [
      'COORDINATOR_NOT_AVAILABLE',
      protocolError('GROUP_COORDINATOR_NOT_AVAILABLE', 15),
      'transient',
    ],
    ['NOT_COORDINATOR', protocolError('NOT_COORDINATOR_FOR_GROUP', 16), 'transient'],
    [
      'kafkajs giving up on CONCURRENT_TRANSACTIONS',
      new KafkaJSNumberOfRetriesExceeded(protocolError('CONCURRENT_TRANSACTIONS', 51), {
        retryCount: 6,
        retryTime: 1000,
      }),
      'transient',
    ],
    ['a lost connection', new KafkaJSConnectionError('Connection timeout'), 'transient'],
    [
      'kafkajs refusing a second transaction (#430)',
      new KafkaJSNonRetriableError('There is already an ongoing transaction for this producer'),
      'transient',
    ],
    ['INVALID_PRODUCER_EPOCH', protocolError('INVALID_PRODUCER_EPOCH', 47), 'fenced'],
    [
      'PRODUCER_FENCED (unknown to kafkajs)',
      protocolError('KAFKAJS_UNKNOWN_ERROR_CODE', 90),
      'fenced',
    ],
    ['INVALID_TXN_STATE', protocolError('INVALID_TXN_STATE', 48), 'fenced'],
    [
      'a fence wrapped in a retry error',
      new KafkaJSNumberOfRetriesExceeded(protocolError('INVALID_PRODUCER_EPOCH', 47), {
        retryCount: 1,
        retryTime: 10,
      }),
      'fenced',
    ],
    ['MESSAGE_TOO_LARGE', protocolError('MESSAGE_TOO_LARGE', 10), 'fatal'],
    ['a plain error', new Error('boom'), 'fatal'],
    ['not an error at all', 'boom', 'fatal'],
  ])('treats %s as %s', (_name, error, kind) => {
    expect(classifyTransactionError(error)).toBe(kind);
  });
});

describe('telling an unreachable broker from a bad request', () => {
  it.each([
    // What a consumer crashes with while the only broker restarts; kafkajs calls it non-retriable.
    ['no group coordinator found', coordinatorNotFound, true],
    ['a lost connection', new KafkaJSConnectionError('Connection error: ECONNREFUSED'), true],
    [
      'retries exhausted on a moving coordinator',
      new KafkaJSNumberOfRetriesExceeded(protocolError('NOT_COORDINATOR_FOR_GROUP', 16), {
        retryCount: 5,
        retryTime: 1000,
      }),
      true,
    ],
    ['LEADER_NOT_AVAILABLE', protocolError('LEADER_NOT_AVAILABLE', 5), true],
    [
      'CONCURRENT_TRANSACTIONS (a transaction matter)',
      protocolError('CONCURRENT_TRANSACTIONS', 51),
      false,
    ],
    ['UNKNOWN_TOPIC_OR_PARTITION', protocolError('UNKNOWN_TOPIC_OR_PARTITION', 3), false],
    ['INVALID_PRODUCER_EPOCH', protocolError('INVALID_PRODUCER_EPOCH', 47), false],
    ['a bug in a processor', new TypeError('Cannot read properties of undefined'), false],
  ])('treats %s as %s', (_name, error, unreachable) => {
    expect(isBrokerUnavailable(error)).toBe(unreachable);
  });
});

describe("following kafkajs' rule for restarting a crashed consumer", () => {
  // Wrapped the way kafkajs' retrier wraps what it gave up on (its typings omit the `cause`).
  const retriesRanOut = (e: Error) =>
    Reflect.construct(KafkaJSNumberOfRetriesExceeded, [
      e,
      { retryCount: 5, retryTime: 1000, cause: e },
    ]) as Error;
  const notRetried = (e: Error) =>
    Reflect.construct(KafkaJSNonRetriableError, [e, { cause: e }]) as Error;

  it.each([
    ['retries that ran out on a plain error', retriesRanOut(new Error('processor failed')), true],
    ['a retriable protocol error', protocolError('NOT_COORDINATOR_FOR_GROUP', 16), true],
    [
      'a retriable protocol error kafkajs gave up on',
      notRetried(protocolError('REBALANCE_IN_PROGRESS', 27)),
      true,
    ],
    [
      'a TypeError, which kafkajs does not retry',
      notRetried(new TypeError('x is undefined')),
      false,
    ],
    ['a fenced producer', protocolError('INVALID_PRODUCER_EPOCH', 47), false],
    ['no group coordinator found (not retriable to kafkajs)', coordinatorNotFound, false],
  ])('restarts after %s: %s', (_name, error, restart) => {
    expect(isRetriableKafkaError(error)).toBe(restart);
  });
});
