import { runRebuildCli } from '@fairflax/publishing-api';
import { envReader, runMain } from '@fairflax/service-kit';
import { graphDbPath } from './data-dir.js';
import { graphProjection } from './projection.js';

// Stop graph first: it holds the old file open. The search index needs no rebuild of its
// own, since graph fills it from SQLite when it starts.
runMain('graph rebuild', async () => {
  const env = envReader();
  await runRebuildCli({
    service: 'graph',
    projection: graphProjection,
    defaultDbPath: graphDbPath(env),
    defaultAddress: env.address('ARTICLES_ADDRESS', '127.0.0.1:50051'),
  });
});
