import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { followSource, openReadModel, ProjectionRunner } from '@fairflax/projections';
import { EmbeddedFeed } from '@fairflax/publishing-api';
import { closeOnSignals, createLogger, envReader, runMain } from '@fairflax/service-kit';
import { buildApp } from './app.js';
import { rssFeedProjection } from './projection.js';

const DEFAULT_DATA_DIR = fileURLToPath(new URL('../../../.data', import.meta.url));

runMain('rss', async () => {
  const env = envReader();
  const host = env.string('RSS_HOST', '127.0.0.1');
  const port = env.port('RSS_PORT', 4002);
  const publicUrl = env.url('PUBLIC_URL', 'https://news.fairflax.example');
  const articlesAddress = env.address('ARTICLES_ADDRESS', '127.0.0.1:50051');
  const dataDir = env.string('DATA_DIR', DEFAULT_DATA_DIR);
  const logger = createLogger('rss');

  // rss's own read model: it answers from this file whether or not articles is reachable.
  const db = openReadModel(join(dataDir, 'rss.sqlite'));
  const runner = new ProjectionRunner(db, rssFeedProjection(publicUrl));
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
    logger: { level: process.env['LOG_LEVEL'] ?? 'info', name: 'rss' },
  });
  await app.listen({ host, port });
  logger.info(
    { url: `http://${host}:${port}/feed`, position: runner.globalPosition() },
    'rss listening',
  );
  closeOnSignals(logger, [
    () => app.close(),
    () => following.stop(),
    () => feed.close(),
    () => db.close(),
  ]);
});
