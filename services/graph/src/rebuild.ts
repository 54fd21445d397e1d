import { runRebuildCli } from '@fairflax/publishing-api';
import { dataPath, envReader, runMain } from '@fairflax/service-kit';
import { graphProjection } from './projection.js';

// `pnpm --filter @fairflax/graph rebuild [--articles host:port] [--db path]`. Stop graph first:
// it holds the old file open. The search index needs no rebuild of its own, since graph fills
// it from SQLite when it starts.
runMain('graph rebuild', async () => {
  const env = envReader();
  await runRebuildCli({
    service: 'graph',
    projection: graphProjection,
    defaultDbPath: dataPath(env, 'graph.sqlite'),
    defaultAddress: env.address('ARTICLES_ADDRESS', '127.0.0.1:50051'),
  });
});
