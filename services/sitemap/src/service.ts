import { openReadModel, ProjectionRunner } from '@fairflax/projections';
import {
  deadLetterReporter,
  followArticlesLog,
  type FollowedSource,
} from '@fairflax/publishing-api';
import { dataPath, type Closer, type EnvReader, type Logger } from '@fairflax/service-kit';
import { buildApp } from './app.js';
import { sitemapProjection } from './projection.js';

export interface SitemapOptions {
  env: EnvReader;
  logger: Logger;
  /** Follow this source instead of the configured transport (one-process mode). */
  source?: FollowedSource;
}

/** The composition root: sitemap's own read model, following the articles log, served over HTTP. */
export async function startSitemap({ env, logger, source }: SitemapOptions): Promise<Closer> {
  const host = env.string('SITEMAP_HOST', '127.0.0.1');
  const port = env.port('SITEMAP_PORT', 4003);
  const publicUrl = env.url('PUBLIC_URL', 'https://news.fairflax.example');

  // sitemap's own read model: it answers from this file whether or not articles is reachable.
  const db = openReadModel(dataPath(env, 'sitemap.sqlite'));
  const deadLetters = deadLetterReporter(logger);
  const runner = new ProjectionRunner(db, sitemapProjection, { onParked: deadLetters.onParked });
  const log = await followArticlesLog({
    service: 'sitemap',
    runner,
    deadLetters,
    logger,
    env,
    source,
    load: (name) => import(name),
  });

  const app = await buildApp({
    db,
    runner,
    publicUrl,
    feedStatus: log.status,
    logger: { level: logger.level, name: 'sitemap' },
  });
  await app.listen({ host, port });
  logger.info(
    { url: `http://${host}:${port}/sitemap`, position: runner.globalPosition() },
    'sitemap listening',
  );
  return async () => {
    await app.close();
    await log.stop();
    db.close();
  };
}
