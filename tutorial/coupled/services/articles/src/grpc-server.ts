import * as grpc from '@grpc/grpc-js';
import { ArticlesService, statusToWire, type Article } from '@fairflax/coupled-publishing-api';
import { grpcCallCounter, type Counter, type Logger } from '@fairflax/service-kit';
import type { InMemoryArticles } from './store.js';
import * as v from './validation.js';

/** Maps a thrown error to the gRPC status a client can act on; unknown errors stay INTERNAL. */
export function toGrpcError(err: unknown): Partial<grpc.StatusObject> {
  if (err instanceof v.ValidationError) {
    return { code: grpc.status.INVALID_ARGUMENT, details: err.message };
  }
  if (err instanceof v.NotFoundError) return { code: grpc.status.NOT_FOUND, details: err.message };
  return { code: grpc.status.INTERNAL, details: 'internal error' };
}

export function toWire(article: Article): Record<string, unknown> {
  return { ...article, status: statusToWire(article.status) };
}

type Handler = (request: Record<string, unknown>) => unknown;

export function articlesHandlers(store: InMemoryArticles): Record<string, Handler> {
  return {
    GetArticle: (req) => toWire(store.get(v.id(req['id']))),
    ListArticles: (req) => {
      const filter = {
        count: v.count(req['count']),
        status: v.optionalStatus(req['status']),
        category: req['category'] === undefined ? undefined : v.category(req['category']),
      };
      return { articles: store.list(filter).map(toWire) };
    },
    CreateArticle: (req) => {
      const article = store.create({
        title: v.requiredText('title', req['title'], v.TITLE_MAX),
        body: v.requiredText('body', req['body'], v.BODY_MAX),
        category: v.category(req['category']),
        authorId: v.requiredText('author_id', req['authorId'], 100),
        status: v.optionalStatus(req['status']) ?? 'DRAFT',
      });
      return toWire(article);
    },
    UpdateArticle: (req) => {
      const id = v.id(req['id']);
      const changes: Parameters<InMemoryArticles['update']>[1] = {};
      if (req['title'] !== undefined)
        changes.title = v.requiredText('title', req['title'], v.TITLE_MAX);
      if (req['body'] !== undefined) changes.body = v.requiredText('body', req['body'], v.BODY_MAX);
      if (req['category'] !== undefined) changes.category = v.category(req['category']);
      const status = v.optionalStatus(req['status']);
      if (status !== undefined) changes.status = status;
      return toWire(store.update(id, changes));
    },
  };
}

export function createGrpcServer(
  store: InMemoryArticles,
  logger: Logger,
  /** Per method: the coupling demo reads them to show the fan-out. */
  counter: Counter<'grpc_method'> = grpcCallCounter(),
): grpc.Server {
  const server = new grpc.Server();
  const handlers = articlesHandlers(store);
  const implementation: grpc.UntypedServiceImplementation = {};
  for (const [method, handler] of Object.entries(handlers)) {
    const unary: grpc.handleUnaryCall<Record<string, unknown>, unknown> = (call, callback) => {
      counter.inc({ grpc_method: method });
      try {
        callback(null, handler(call.request));
      } catch (err) {
        const status = toGrpcError(err);
        if (status.code === grpc.status.INTERNAL) logger.error({ err, method }, 'call failed');
        callback(status, null);
      }
    };
    implementation[method] = unary;
  }
  server.addService(ArticlesService.service, implementation);
  return server;
}

export function bindGrpc(server: grpc.Server, address: string): Promise<number> {
  return new Promise((resolve, reject) =>
    server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err, port) =>
      err ? reject(err) : resolve(port),
    ),
  );
}
