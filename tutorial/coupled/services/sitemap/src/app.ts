import { renderSitemap } from '@fairflax/feed-xml';
import type { ArticlesClient } from '@fairflax/coupled-publishing-api';
import { httpLogging, sendProblem, type Logger } from '@fairflax/service-kit';
import { status as grpcStatus, type ServiceError } from '@grpc/grpc-js';
import Fastify, { type FastifyInstance } from 'fastify';

export interface SitemapDeps {
  articles: ArticlesClient;
  publicUrl: string;
  logger?: Logger;
}

/** The articles API caps a page at 50 with no paging: this sitemap lists only the newest 50. */
export const SITEMAP_SIZE = 50;

export async function buildApp(deps: SitemapDeps): Promise<FastifyInstance> {
  const app = Fastify(httpLogging(deps.logger));
  app.setErrorHandler((err, request, reply) => {
    const code = (err as Partial<ServiceError>).code;
    if (code === grpcStatus.UNAVAILABLE || code === grpcStatus.DEADLINE_EXCEEDED) {
      return sendProblem(reply, 503, 'Service Unavailable', 'the articles service is unavailable');
    }
    request.log.error({ err }, 'sitemap failed');
    return sendProblem(reply, 500, 'Internal Server Error');
  });
  app.get('/sitemap', async (_request, reply) => {
    const articles = await deps.articles.listArticles({ status: 'PUBLISHED', count: SITEMAP_SIZE });
    const xml = renderSitemap(
      articles.map((a) => ({
        loc: `${deps.publicUrl}/articles/${encodeURIComponent(a.id)}`,
        lastModified: new Date(a.modified),
      })),
    );
    return reply.type('application/xml; charset=utf-8').send(xml);
  });
  app.get('/healthz', () => ({ status: 'ok' }));
  return app;
}
