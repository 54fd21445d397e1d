import type { ExactlyOnceFactory } from './guarantee.js';

/**
 * What this build of the package holds beyond at-least-once: the transactional committer, which
 * makes exactly-once the default guarantee. A build without it sets `undefined` here.
 */
export const transactionalCommitter: ExactlyOnceFactory | undefined = undefined;
