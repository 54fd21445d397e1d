import { runRebuildCli } from '@fairflax/publishing-api';
import { dataPath, envReader, runMain } from '@fairflax/service-kit';
import { sitemapProjection } from './projection.js';

/** `pnpm --filter @fairflax/sitemap rebuild [--articles host:port] [--db path]`; stop sitemap first. */
runMain('sitemap rebuild', async () => {
  const env = envReader();
  await runRebuildCli({
    service: 'sitemap',
    projection: sitemapProjection,
    defaultDbPath: dataPath(env, 'sitemap.sqlite'),
    defaultAddress: env.address('ARTICLES_ADDRESS', '127.0.0.1:50051'),
  });
});
