import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { followSource, openReadModel, ProjectionRunner } from '@fairflax/projections';
import { EmbeddedFeed } from '@fairflax/publishing-api';
import { closeOnSignals, createLogger, envReader, runMain } from '@fairflax/service-kit';
import { buildApp } from './app.js';
import { sitemapProjection } from './projection.js';

const DEFAULT_DATA_DIR = fileURLToPath(new URL('../../../.data', import.meta.url));

runMain('sitemap', async () => {
  const env = envReader();
  const host = env.string('SITEMAP_HOST', '127.0.0.1');
  const port = env.port('SITEMAP_PORT', 4003);
  const publicUrl = env.url('PUBLIC_URL', 'https://news.fairflax.example');
  const articlesAddress = env.address('ARTICLES_ADDRESS', '127.0.0.1:50051');
  const dataDir = env.string('DATA_DIR', DEFAULT_DATA_DIR);
  const logger = createLogger('sitemap');

  // sitemap's own read model: it answers from this file whether or not articles is reachable.
  const db = openReadModel(join(dataDir, 'sitemap.sqlite'));
  const runner = new ProjectionRunner(db, sitemapProjection);
  let connected: boolean | undefined;
  const feed = new EmbeddedFeed(articlesAddress, {
    // Logged on changes only: while articles is away the feed retries every few seconds.
    onStatus: (status) => {
      if (status.connected === connected) return;
      connected = status.connected;
      if (connected) logger.info({ feed: status }, 'event feed connected');
      else logger.warn({ feed: status }, 'event feed lost; serving what was applied so far');
    },
  });
  const following = followSource(runner, feed, logger);

  const app = await buildApp({
    db,
    runner,
    publicUrl,
    feedStatus: () => ({ ...feed.status }),
    logger: { level: process.env['LOG_LEVEL'] ?? 'info', name: 'sitemap' },
  });
  await app.listen({ host, port });
  logger.info(
    { url: `http://${host}:${port}/sitemap`, position: runner.globalPosition() },
    'sitemap listening',
  );
  closeOnSignals(logger, [
    () => app.close(),
    () => following.stop(),
    () => feed.close(),
    () => db.close(),
  ]);
});
