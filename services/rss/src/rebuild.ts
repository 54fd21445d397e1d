import { runRebuildCli } from '@fairflax/publishing-api';
import { dataPath, envReader, runMain } from '@fairflax/service-kit';
import { rssFeedProjection } from './projection.js';

/** `pnpm --filter @fairflax/rss rebuild [--articles host:port] [--db path]`; stop rss first. */
runMain('rss rebuild', async () => {
  const env = envReader();
  await runRebuildCli({
    service: 'rss',
    projection: rssFeedProjection(env.url('PUBLIC_URL', 'https://news.fairflax.example')),
    defaultDbPath: dataPath(env, 'rss.sqlite'),
    defaultAddress: env.address('ARTICLES_ADDRESS', '127.0.0.1:50051'),
  });
});
