import { renderRss, type RssItem } from '@fairflax/feed-xml';
import type { Article, ArticlesClient } from '@fairflax/coupled-publishing-api';
import { httpLogging, sendProblem, type Logger } from '@fairflax/service-kit';
import { status as grpcStatus, type ServiceError } from '@grpc/grpc-js';
import Fastify, { type FastifyInstance } from 'fastify';

export interface RssDeps {
  articles: ArticlesClient;
  /** Where readers open articles, e.g. https://news.fairflax.example */
  publicUrl: string;
  logger?: Logger;
}

export const FEED_SIZE = 20;
const CATEGORY_PATTERN = /^[a-z][a-z0-9-]{0,39}$/;

export function toRssItem(article: Article, publicUrl: string): RssItem {
  return {
    guid: article.id,
    title: article.title,
    link: `${publicUrl}/articles/${encodeURIComponent(article.id)}`,
    description: article.body,
    category: article.category,
    author: article.authorName,
    published: new Date(article.created),
  };
}

export async function buildApp(deps: RssDeps): Promise<FastifyInstance> {
  const app = Fastify(httpLogging(deps.logger));

  const feed = async (category: string | undefined, selfPath: string) => {
    // One gRPC round trip per feed request: the feed is only as available as articles is.
    const articles = await deps.articles.listArticles({
      status: 'PUBLISHED',
      count: FEED_SIZE,
      ...(category !== undefined && { category }),
    });
    return renderRss({
      title: category ? `Fairflax — ${category}` : 'Fairflax — latest',
      link: category ? `${deps.publicUrl}/${category}` : deps.publicUrl,
      selfUrl: `${deps.publicUrl}${selfPath}`,
      description: category
        ? `Latest ${category} stories from Fairflax`
        : 'Latest stories from Fairflax',
      items: articles.map((a) => toRssItem(a, deps.publicUrl)),
    });
  };

  app.setErrorHandler((err, request, reply) => {
    const code = (err as Partial<ServiceError>).code;
    if (code === grpcStatus.UNAVAILABLE || code === grpcStatus.DEADLINE_EXCEEDED) {
      return sendProblem(reply, 503, 'Service Unavailable', 'the articles service is unavailable');
    }
    request.log.error({ err }, 'feed failed');
    return sendProblem(reply, 500, 'Internal Server Error');
  });

  app.get('/feed', async (_request, reply) =>
    reply.type('application/rss+xml; charset=utf-8').send(await feed(undefined, '/feed')),
  );
  app.get<{ Params: { category: string } }>('/feed/:category', async (request, reply) => {
    const { category } = request.params;
    if (!CATEGORY_PATTERN.test(category)) {
      return sendProblem(reply, 400, 'Bad Request', `"${category}" is not a valid category`);
    }
    return reply
      .type('application/rss+xml; charset=utf-8')
      .send(await feed(category, `/feed/${category}`));
  });
  app.get('/healthz', () => ({ status: 'ok' }));
  return app;
}
