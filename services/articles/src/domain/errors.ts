// Each edge maps these once: gRPC status codes, GraphQL `extensions.code`, problem+json.

/** The command can never succeed as sent. */
export class ValidationError extends Error {
  override readonly name = 'ValidationError';
  constructor(
    message: string,
    /** As proto/publishing.proto names it (`article_id`). */
    readonly field?: string,
  ) {
    super(message);
  }
}

export class IllegalStateError extends Error {
  override readonly name = 'IllegalStateError';
}

export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
}
