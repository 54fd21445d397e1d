export { deadLetters, readYourWrites } from './read-side.js';
export { responseCache } from './response-cache.js';
export { metrics } from './metrics.js';
export { serveHttpMetrics, UNMATCHED_ROUTE } from './http-metrics.js';
export { measureReadModel, type ReadModelMetricsOptions } from './read-model-metrics.js';
export {
  DeadLetterParking,
  pollReplayRequests,
  type DeadLetterParkingOptions,
} from './dead-letters.js';
export {
  DEAD_LETTER_TOPIC,
  deadLetterMessage,
  deadLetterReporter,
  type DeadLetterReporter,
} from './dead-letter-reporter.js';
export {
  isTransientError,
  countDeadLetters,
  listDeadLetters,
  requestReplay,
  type DeadLetter,
  type DeadLetterFilter,
  type DeadLetterReason,
} from './dead-letter-store.js';
export {
  awaitMinPosition,
  MIN_POSITION_HEADER,
  POSITION_HEADER,
  PositionWaiters,
  readYourWritesHook,
  WAIT_TIMEOUT_HEADER,
  type ConsistencyCheck,
} from './read-your-writes.js';
export {
  formatProgress,
  rebuildReadModel,
  type RebuildOptions,
  type RebuildProgress,
} from './rebuild.js';
export { deadLettersMain, rebuildMain, type ReadModelOf } from './commands.js';
export {
  adminAddressPath,
  openAdminPort,
  readAdminAddress,
  type AdminAddress,
  type AdminFeature,
} from './admin-port.js';
export {
  rebuildWhileServing,
  type LiveReadModel,
  type LiveRebuildOptions,
  type LiveRebuildProgress,
  type StandbyFile,
} from './live-rebuild.js';
export {
  liveRebuild,
  REBUILD_PATH,
  type LiveRebuildState,
  type LiveRebuildStatus,
} from './live-rebuild-admin.js';
export { runLiveRebuildCli, type LiveRebuildCliOptions } from './live-rebuild-cli.js';
export { runRebuildCli } from './rebuild-cli.js';
export { runDeadLettersCli, type DeadLettersCliOptions } from './dead-letters-cli.js';
export {
  importArchive,
  RECORDS_PER_CALL,
  type ImportProgress,
  type ImportResult,
} from './article-import.js';
export { importMain, runImportCli } from './import-cli.js';
export {
  ARCHIVE_LINE_MAX_BYTES,
  archiveLines,
  parseArchiveLine,
  type ArticleRecord,
  type LineRejection,
} from './archive-records.js';
