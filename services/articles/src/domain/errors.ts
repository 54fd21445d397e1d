/**
 * The domain's failures. Each edge maps them once: gRPC status codes in the articles service,
 * GraphQL `extensions.code` in graph (through the gRPC status), problem+json over HTTP.
 */

/** The command can never succeed as sent (missing title, bad category ...). */
export class ValidationError extends Error {
  override readonly name = 'ValidationError';
  constructor(
    message: string,
    /** The field at fault as proto/publishing.proto names it (`article_id`), if it is one. */
    readonly field?: string,
  ) {
    super(message);
  }
}

/** The command is valid but not in the aggregate's current state (publish a retracted article). */
export class IllegalStateError extends Error {
  override readonly name = 'IllegalStateError';
}

/** The aggregate the command is about does not exist. */
export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
}
