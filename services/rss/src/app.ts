import { renderRssChannel } from '@fairflax/feed-xml';
import type { Database, ProjectionRunner } from '@fairflax/projections';
import { problemResponses, sendProblem } from '@fairflax/service-kit';
import Fastify, { type FastifyInstance } from 'fastify';
import { feedQueries } from './read-model.js';

export interface RssDeps {
  db: Database;
  runner: ProjectionRunner;
  publicUrl: string;
  feedStatus?: () => object;
  logger?: boolean | object;
}

export const FEED_SIZE = 20;
const CATEGORY_PATTERN = /^[a-z][a-z0-9-]{0,39}$/;

export async function buildApp(deps: RssDeps): Promise<FastifyInstance> {
  const problems = problemResponses('feed');
  const app = Fastify({ logger: deps.logger ?? false, ...problems.serverOptions });
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

  // Kept as UTF-8 bytes until the read model moves; only categories that exist are cached.
  const rendered = new Map<string, { position: number; body: Buffer }>();
  const cachedFeed = (category: string | undefined, selfPath: string): Buffer => {
    const position = deps.runner.globalPosition();
    const key = category ?? '';
    const hit = rendered.get(key);
    if (hit?.position === position) return hit.body;
    const body = Buffer.from(feed(category, selfPath), 'utf8');
    rendered.set(key, { position, body });
    return body;
  };

  app.get('/feed', (_request, reply) =>
    reply.type('application/rss+xml; charset=utf-8').send(cachedFeed(undefined, '/feed')),
  );
  app.get<{ Params: { category: string } }>('/feed/:category', (request, reply) => {
    const { category } = request.params;
    if (!CATEGORY_PATTERN.test(category)) {
      return sendProblem(reply, 400, 'Bad Request', `"${category}" is not a valid category`);
    }
    if (
      rendered.get(category)?.position !== deps.runner.globalPosition() &&
      !queries.categoryKnown(category)
    ) {
      return sendProblem(reply, 404, 'Not Found', `no article has been published in "${category}"`);
    }
    return reply
      .type('application/rss+xml; charset=utf-8')
      .send(cachedFeed(category, `/feed/${category}`));
  });
  app.get('/healthz', () => ({
    status: 'ok',
    position: deps.runner.globalPosition(),
    feed: deps.feedStatus?.(),
  }));
  return app;
}
