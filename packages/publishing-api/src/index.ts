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
export { EmbeddedFeed, LOG_SOURCE, type EmbeddedFeedOptions, type FeedStatus } from './feed.js';
export { CATCH_UP_BATCH, embeddedTransport } from './embedded-transport.js';
export {
  decodeEventFrame,
  encodeEventFrames,
  FEED_FRAME_BYTES,
  type DecodedFrame,
} from './feed-frames.js';
export { ArticlesService, EventFeedService, loadProto, PROTO_PATH } from './proto.js';
