export {
  deadLetterReporter,
  followArticlesLog,
  type DeadLetterReporter,
  type FollowArticlesLogOptions,
  type FollowingLog,
} from './read-side.js';
export { runRebuildCli } from './rebuild-cli.js';
export { runDeadLettersCli, type DeadLettersCliOptions } from './dead-letters-cli.js';
export {
  createArticlesCommands,
  type ArticlesCommands,
  type CommandResult,
  type DraftArticle,
  type PublishArticle,
  type RegisterAuthor,
  type RenameAuthor,
  type RetractArticle,
  type ReviseArticle,
} from './commands.js';
export {
  EmbeddedFeed,
  LOG_SOURCE,
  toStoredEvent,
  type EmbeddedFeedOptions,
  type FeedStatus,
} from './feed.js';
export {
  ArticlesService,
  EventFeedService,
  PROTO_PATH,
  type WireEventBatch,
  type WireEventEnvelope,
} from './proto.js';
export {
  loadTransport,
  openEventSource,
  TRANSPORT_NAMES,
  TRANSPORT_PACKAGES,
  TransportNotInStepError,
  type FollowedSource,
  type FollowedTopic,
  type FollowOptions,
  type FollowTopicOptions,
  type RelayOptions,
  type RunningRelay,
  type TransportAdapter,
  type TransportName,
} from './transport.js';
