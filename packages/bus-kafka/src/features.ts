import type { TransactionalSinkFactory } from './delivery.js';
import { TransactionalRelaySink } from './transactional-sink.js';

/**
 * What this build of the package holds beyond at-least-once: the relay's transactional sink,
 * which makes KAFKA_DELIVERY=exactly-once the default. A build without it sets `undefined` here.
 */
export const transactionalSink: TransactionalSinkFactory | undefined = (options) =>
  new TransactionalRelaySink(options);
