import { renderRssChannel } from '@fairflax/feed-xml';
import type { Database, ProjectionRunner } from '@fairflax/projections';
import { httpLogging, problemResponses, sendProblem, type Logger } from '@fairflax/service-kit';
import Fastify, { type FastifyInstance } from 'fastify';
import { feedQueries } from './read-model.js';

export interface RssDeps {
  db: Database;
  runner: ProjectionRunner;
  publicUrl: string;
  feedStatus?: () => object;
  logger?: Logger;
}

export const FEED_SIZE = 20;
const CATEGORY_PATTERN = /^[a-z][a-z0-9-]{0,39}$/;

export async function buildApp(deps: RssDeps): Promise<FastifyInstance> {
  const problems = problemResponses('feed');
  const app = Fastify({ ...httpLogging(deps.logger), ...problems.serverOptions });
  problems.install(app);
  const queries = feedQueries(deps.db);

  const feed = (category: string | undefined, selfPath: string) => {
    const items =
      category === undefined ? queries.latest(FEED_SIZE) : queries.latestIn(category, FEED_SIZE);
    const channel = {
      title: category ? `Fairflax — ${category}` : 'Fairflax — latest',
      link: category ? `${deps.publicUrl}/${category}` : deps.publicUrl,
      selfUrl: `${deps.publicUrl}${selfPath}`,
      description: category
        ? `Latest ${category} stories from Fairflax`
        : 'Latest stories from Fairflax',
    };
    return renderRssChannel(channel, items);
  };

  app.get('/feed', (_request, reply) =>
    reply.type('application/rss+xml; charset=utf-8').send(feed(undefined, '/feed')),
  );
  app.get<{ Params: { category: string } }>('/feed/:category', (request, reply) => {
    const { category } = request.params;
    if (!CATEGORY_PATTERN.test(category)) {
      return sendProblem(reply, 400, 'Bad Request', `"${category}" is not a valid category`);
    }
    if (!queries.categoryKnown(category)) {
      return sendProblem(reply, 404, 'Not Found', `no article has been published in "${category}"`);
    }
    return reply
      .type('application/rss+xml; charset=utf-8')
      .send(feed(category, `/feed/${category}`));
  });
  app.get('/healthz', () => ({
    status: 'ok',
    position: deps.runner.globalPosition(),
    feed: deps.feedStatus?.(),
  }));
  return app;
}
