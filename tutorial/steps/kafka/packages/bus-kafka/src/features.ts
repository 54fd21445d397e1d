import type { TransactionalSinkFactory } from './delivery.js';

/**
 * What this build of the package holds beyond at-least-once: the relay's transactional sink,
 * which makes KAFKA_DELIVERY=exactly-once the default. A build without it sets `undefined` here.
 */
export const transactionalSink: TransactionalSinkFactory | undefined = undefined;
