export type { Database, Delivery, EventSource, ProjectedEvent, Projection } from './types.js';
export { openReadModel } from './database.js';
export { preparedStatements, type Statement } from './statements.js';
export {
  ProjectionRunner,
  RetryBatch,
  type ApplyMiddleware,
  type BatchResult,
  type CommitListener,
  type RunnerOptions,
} from './runner.js';
export { followSource, type FollowHandle, type FollowSourceOptions } from './follow.js';
