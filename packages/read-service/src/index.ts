export {
  deadLetterReporter,
  followArticlesLog,
  type DeadLetterReporter,
  type FollowArticlesLogOptions,
  type FollowingLog,
} from './read-side.js';
export {
  deadLettersMain,
  rebuildMain,
  startReadService,
  type HttpApp,
  type ReadService,
  type ReadServiceOptions,
  type ReadServiceParts,
} from './service.js';
export { runRebuildCli } from './rebuild-cli.js';
export { runDeadLettersCli, type DeadLettersCliOptions } from './dead-letters-cli.js';
