import type { ArticlesClient } from '@fairflax/coupled-publishing-api';
import Fastify, { type FastifyInstance } from 'fastify';
import { httpLogging, type Logger } from '@fairflax/service-kit';
import mercurius from 'mercurius';
import { buildResolvers } from './resolvers.js';
import { schema } from './schema.js';

export interface GraphDeps {
  articles: ArticlesClient;
  logger?: Logger;
}

export async function buildApp(deps: GraphDeps): Promise<FastifyInstance> {
  const app = Fastify(httpLogging(deps.logger));
  await app.register(mercurius, {
    schema,
    resolvers: buildResolvers(deps.articles),
    graphiql: true,
  });
  app.get('/healthz', () => ({ status: 'ok' }));
  return app;
}
