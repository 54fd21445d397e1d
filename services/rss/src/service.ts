import { openReadModel, ProjectionRunner } from '@fairflax/projections';
import {
  deadLetterReporter,
  followArticlesLog,
  type FollowedSource,
} from '@fairflax/publishing-api';
import { dataPath, type Closer, type EnvReader, type Logger } from '@fairflax/service-kit';
import { buildApp } from './app.js';
import { rssFeedProjection } from './projection.js';

export interface RssOptions {
  env: EnvReader;
  logger: Logger;
  /** Follow this source instead of the configured transport (one-process mode). */
  source?: FollowedSource;
}

/** The composition root: rss's own read model, following the articles log, served over HTTP. */
export async function startRss({ env, logger, source }: RssOptions): Promise<Closer> {
  const host = env.string('RSS_HOST', '127.0.0.1');
  const port = env.port('RSS_PORT', 4002);
  const publicUrl = env.url('PUBLIC_URL', 'https://news.fairflax.example');

  // rss's own read model: it answers from this file whether or not articles is reachable.
  const db = openReadModel(dataPath(env, 'rss.sqlite'));
  const deadLetters = deadLetterReporter(logger);
  const runner = new ProjectionRunner(db, rssFeedProjection(publicUrl), {
    onParked: deadLetters.onParked,
  });
  const log = await followArticlesLog({
    service: 'rss',
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
    logger: { level: logger.level, name: 'rss' },
  });
  await app.listen({ host, port });
  logger.info(
    { url: `http://${host}:${port}/feed`, position: runner.globalPosition() },
    'rss listening',
  );
  return async () => {
    await app.close();
    await log.stop();
    db.close();
  };
}
