import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runRebuildCli } from '@fairflax/publishing-api';
import { envReader, runMain } from '@fairflax/service-kit';
import { sitemapProjection } from './projection.js';

const DEFAULT_DATA_DIR = fileURLToPath(new URL('../../../.data', import.meta.url));

/** `pnpm --filter @fairflax/sitemap rebuild [--articles host:port] [--db path]`; stop sitemap first. */
runMain('sitemap rebuild', async () => {
  const env = envReader();
  const dataDir = env.string('DATA_DIR', DEFAULT_DATA_DIR);
  await runRebuildCli({
    service: 'sitemap',
    projection: sitemapProjection,
    defaultDbPath: join(dataDir, 'sitemap.sqlite'),
    defaultAddress: env.address('ARTICLES_ADDRESS', '127.0.0.1:50051'),
  });
});
