/** The gRPC ceiling: articles' own gRPC server before a store-less application; grpc-js remains. */
import { InMemoryEventStore } from '@fairflax/event-store';
import type { ArticlesApplication, CommandOutcome } from '@fairflax/articles/application';
import { bindGrpc, createGrpcServer } from '@fairflax/articles/grpc-server';
import { createLogger } from '../../packages/service-kit/src/logger.js';

let position = 0;
const answer = (streamId: string): Promise<CommandOutcome> =>
  Promise.resolve({ streamId, streamVersion: 1, globalPosition: ++position, duplicate: false });

const noOp = {
  handleArticle: (request: { data: { articleId: string } }) =>
    answer(`article-${request.data.articleId}`),
  handleAuthor: (request: { data: { authorId: string } }) =>
    answer(`author-${request.data.authorId}`),
} as unknown as ArticlesApplication;

const server = createGrpcServer({
  app: noOp,
  store: new InMemoryEventStore(),
  logger: createLogger('grpc-ceiling', { ...process.env, LOG_LEVEL: 'warn' }),
  newId: () => String(++position),
});
await bindGrpc(server, `127.0.0.1:${process.env['PORT'] ?? '50099'}`);

const stop = () => server.tryShutdown(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
