import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runRebuildCli } from '@fairflax/publishing-api';
import { envReader, runMain } from '@fairflax/service-kit';
import { rssFeedProjection } from './projection.js';

const DEFAULT_DATA_DIR = fileURLToPath(new URL('../../../.data', import.meta.url));

/** `pnpm --filter @fairflax/rss rebuild [--articles host:port] [--db path]`; stop rss first. */
runMain('rss rebuild', async () => {
  const env = envReader();
  const dataDir = env.string('DATA_DIR', DEFAULT_DATA_DIR);
  await runRebuildCli({
    service: 'rss',
    projection: rssFeedProjection(env.url('PUBLIC_URL', 'https://news.fairflax.example')),
    defaultDbPath: join(dataDir, 'rss.sqlite'),
    defaultAddress: env.address('ARTICLES_ADDRESS', '127.0.0.1:50051'),
  });
});
