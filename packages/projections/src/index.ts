export type { Database, Delivery, EventSource, ProjectedEvent, Projection } from './types.js';
export { openReadModel } from './database.js';
export { preparedStatements, type Statement } from './statements.js';
export { ProjectionRunner, type BatchResult, type RunnerOptions } from './runner.js';
export {
  awaitMinPosition,
  MIN_POSITION_HEADER,
  POSITION_HEADER,
  readYourWritesHook,
  WAIT_TIMEOUT_HEADER,
  type ConsistencyCheck,
} from './consistency.js';
export { followSource, type FollowHandle, type FollowSourceOptions } from './follow.js';
export {
  isTransientError,
  listDeadLetters,
  requestReplay,
  type DeadLetter,
  type DeadLetterFilter,
  type DeadLetterReason,
} from './dead-letters.js';
export {
  formatProgress,
  rebuildReadModel,
  type RebuildOptions,
  type RebuildProgress,
} from './rebuild.js';
