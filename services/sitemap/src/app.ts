import {
  articleLink,
  renderNewsSitemap,
  renderSitemap,
  SITEMAP_MAX_URLS,
} from '@fairflax/feed-xml';
import type { Database, ProjectionRunner } from '@fairflax/projections';
import { httpLogging, problemResponses, type Logger } from '@fairflax/service-kit';
import Fastify, { type FastifyInstance } from 'fastify';
import { sitemapQueries } from './read-model.js';

export interface SitemapDeps {
  db: Database;
  runner: ProjectionRunner;
  publicUrl: string;
  now?: () => Date;
  feedStatus?: () => object;
  logger?: Logger;
}

/** Google News lists articles published in the last two days, at most 1,000 per file. */
export const NEWS_WINDOW_MS = 48 * 60 * 60 * 1000;
export const NEWS_SITEMAP_MAX_URLS = 1_000;
const PUBLICATION = { name: 'Fairflax', language: 'en' };

export async function buildApp(deps: SitemapDeps): Promise<FastifyInstance> {
  const problems = problemResponses('sitemap');
  const app = Fastify({ ...httpLogging(deps.logger), ...problems.serverOptions });
  problems.install(app);
  const queries = sitemapQueries(deps.db);
  const now = deps.now ?? (() => new Date());
  const loc = (articleId: string) => articleLink(deps.publicUrl, articleId);

  // Past 50,000 URLs a sitemap index would be needed; until then the newest are kept.
  app.get('/sitemap', (request, reply) => {
    const entries = queries.published(SITEMAP_MAX_URLS + 1);
    if (entries.length > SITEMAP_MAX_URLS) {
      entries.length = SITEMAP_MAX_URLS;
      request.log.warn(
        { published: queries.countPublished(), listed: SITEMAP_MAX_URLS },
        'more published articles than one sitemap may list; the oldest are left out',
      );
    }
    const xml = renderSitemap(
      entries.map((e) => ({ loc: loc(e.articleId), lastModified: e.lastModified })),
    );
    return reply.type('application/xml; charset=utf-8').send(xml);
  });

  app.get('/sitemap/news', (request, reply) => {
    const since = new Date(now().getTime() - NEWS_WINDOW_MS);
    const entries = queries.publishedSince(since, NEWS_SITEMAP_MAX_URLS + 1);
    if (entries.length > NEWS_SITEMAP_MAX_URLS) {
      entries.length = NEWS_SITEMAP_MAX_URLS;
      request.log.warn(
        { listed: NEWS_SITEMAP_MAX_URLS },
        'more recent articles than one news sitemap may list; the oldest are left out',
      );
    }
    const xml = renderNewsSitemap(
      PUBLICATION,
      entries.map((e) => ({
        loc: loc(e.articleId),
        lastModified: e.lastModified,
        published: e.published,
        title: e.title,
      })),
    );
    return reply.type('application/xml; charset=utf-8').send(xml);
  });

  app.get('/healthz', () => ({
    status: 'ok',
    position: deps.runner.globalPosition(),
    feed: deps.feedStatus?.(),
  }));
  return app;
}
