import { createHash } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { ConcurrencyError, type EventStore } from '@fairflax/event-store';
import { UnknownEventError } from '@fairflax/events';
import { ArticlesService } from '@fairflax/publishing-api';
import { grpcCallCounter, type Counter, type Logger } from '@fairflax/service-kit';
import type { ArticlesApplication, CommandContext, CommandOutcome } from './application.js';
import { eventFeedFrameService, subscribeHandler } from './event-feed.js';
import { IllegalStateError, NotFoundError, ValidationError } from './domain/errors.js';
import { notingMalformedStrings, refuseMalformedStrings } from './wire-strings.js';

/**
 * Each domain failure maps to one gRPC status; anything unexpected stays INTERNAL. A validation
 * error names its field in the message and, for the gateway, in the `field` trailer.
 */
export function toGrpcStatus(err: unknown): Partial<grpc.StatusObject> {
  if (err instanceof ValidationError) {
    const metadata = new grpc.Metadata();
    if (err.field !== undefined) metadata.set('field', err.field);
    return { code: grpc.status.INVALID_ARGUMENT, details: err.message, metadata };
  }
  if (err instanceof NotFoundError) return { code: grpc.status.NOT_FOUND, details: err.message };
  if (err instanceof IllegalStateError)
    return { code: grpc.status.FAILED_PRECONDITION, details: err.message };
  if (err instanceof ConcurrencyError) return { code: grpc.status.ABORTED, details: err.message };
  if (err instanceof UnknownEventError) return { code: grpc.status.INTERNAL, details: err.message };
  return { code: grpc.status.INTERNAL, details: 'internal error' };
}

export type Wire = Record<string, unknown>;

export const text = (request: Wire, field: string): string | undefined => {
  const value = request[field];
  return typeof value === 'string' ? value : undefined;
};

// Ids are passed on as sent for the domain to check: refused, never trimmed into another id.
export function context(request: Wire): CommandContext {
  const commandId = text(request, 'commandId');
  const expected = request['expectedVersion'];
  return {
    ...(commandId !== undefined && { commandId }),
    ...(expected !== undefined && { expectedVersion: Number(expected) }),
  };
}

/** Derived from the command id when there is one, so a retried "create" is seen as a repeat. */
export function newAggregateId(request: Wire, idField: string, newId: () => string): string {
  const given = text(request, idField);
  if (given) return given;
  const commandId = text(request, 'commandId');
  if (!commandId) return newId();
  const hex = createHash('sha256').update(commandId).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

const optional = (request: Wire, field: string) =>
  request[field] === undefined ? {} : { [field]: text(request, field) ?? '' };

/** The wire requests as application commands; every handler answers with a promise, never a throw. */
export function commandHandlers(
  app: ArticlesApplication,
  newId: () => string,
): Record<string, (req: Wire) => Promise<CommandOutcome>> {
  return {
    DraftArticle: async (req) =>
      app.handleArticle(
        {
          type: 'DraftArticle',
          data: {
            articleId: newAggregateId(req, 'articleId', newId),
            title: text(req, 'title') ?? '',
            body: text(req, 'body') ?? '',
            category: text(req, 'category') ?? '',
            authorId: text(req, 'authorId') ?? '',
          },
        },
        context(req),
      ),
    ReviseArticle: async (req) =>
      app.handleArticle(
        {
          type: 'ReviseArticle',
          data: {
            articleId: text(req, 'articleId') ?? '',
            ...optional(req, 'title'),
            ...optional(req, 'body'),
            ...optional(req, 'category'),
          },
        },
        context(req),
      ),
    PublishArticle: async (req) =>
      app.handleArticle(
        { type: 'PublishArticle', data: { articleId: text(req, 'articleId') ?? '' } },
        context(req),
      ),
    RetractArticle: async (req) =>
      app.handleArticle(
        {
          type: 'RetractArticle',
          data: { articleId: text(req, 'articleId') ?? '', reason: text(req, 'reason') ?? '' },
        },
        context(req),
      ),
    RegisterAuthor: async (req) =>
      app.handleAuthor(
        {
          type: 'RegisterAuthor',
          data: { authorId: newAggregateId(req, 'authorId', newId), name: text(req, 'name') ?? '' },
        },
        context(req),
      ),
    RenameAuthor: async (req) =>
      app.handleAuthor(
        {
          type: 'RenameAuthor',
          data: { authorId: text(req, 'authorId') ?? '', name: text(req, 'name') ?? '' },
        },
        context(req),
      ),
  };
}

export interface ArticlesServerDeps {
  app: ArticlesApplication;
  store: EventStore;
  logger: Logger;
  newId: () => string;
  calls?: Counter<'grpc_method'>;
}

export function createGrpcServer(deps: ArticlesServerDeps): grpc.Server {
  const { logger } = deps;
  const calls = deps.calls ?? grpcCallCounter();
  const server = new grpc.Server();
  const implementation: grpc.UntypedServiceImplementation = {};
  for (const [method, handle] of Object.entries(commandHandlers(deps.app, deps.newId))) {
    const unary: grpc.handleUnaryCall<Wire, unknown> = (call, callback) => {
      calls.inc({ grpc_method: method });
      // Whatever throws, wherever, becomes a rejection and so a mapped status.
      new Promise<CommandOutcome>((resolve) => {
        refuseMalformedStrings(call.request);
        resolve(handle(call.request));
      }).then(
        (outcome) =>
          callback(null, {
            streamId: outcome.streamId,
            streamVersion: String(outcome.streamVersion),
            globalPosition: String(outcome.globalPosition),
            duplicate: outcome.duplicate,
          }),
        (err: unknown) => {
          const status = toGrpcStatus(err);
          if (status.code === grpc.status.INTERNAL || status.code === grpc.status.UNKNOWN) {
            logger.error({ err, method }, 'command failed');
          }
          callback(status, null);
        },
      );
    };
    implementation[method] = unary;
  }
  server.addService(notingMalformedStrings(ArticlesService.service), implementation);
  const subscribe = subscribeHandler(deps.store, logger, toGrpcStatus);
  server.addService(eventFeedFrameService, {
    Subscribe: ((call: grpc.ServerWritableStream<Wire, Buffer>) => {
      calls.inc({ grpc_method: 'Subscribe' });
      subscribe(call);
    }) as grpc.handleServerStreamingCall<Wire, Buffer>,
  });
  return server;
}

export function bindGrpc(server: grpc.Server, address: string): Promise<number> {
  return new Promise((resolve, reject) =>
    server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err, port) =>
      err ? reject(err) : resolve(port),
    ),
  );
}
