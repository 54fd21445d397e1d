import { runDeadLettersCli } from '@fairflax/publishing-api';
import { dataPath, envReader, runMain } from '@fairflax/service-kit';
import { rssFeedProjection } from './projection.js';

/** `pnpm --filter @fairflax/rss dead-letters list|replay ...`; works while rss runs. */
runMain('rss dead-letters', () => {
  const env = envReader();
  process.exitCode = runDeadLettersCli({
    service: 'rss',
    projection: rssFeedProjection(env.url('PUBLIC_URL', 'https://news.fairflax.example')).name,
    defaultDbPath: dataPath(env, 'rss.sqlite'),
  });
  return Promise.resolve();
});
