import { runDeadLettersCli } from '@fairflax/publishing-api';
import { dataPath, envReader, runMain } from '@fairflax/service-kit';
import { sitemapProjection } from './projection.js';

/** `pnpm --filter @fairflax/sitemap dead-letters list|replay ...`; works while sitemap runs. */
runMain('sitemap dead-letters', () => {
  const env = envReader();
  process.exitCode = runDeadLettersCli({
    service: 'sitemap',
    projection: sitemapProjection.name,
    defaultDbPath: dataPath(env, 'sitemap.sqlite'),
  });
  return Promise.resolve();
});
