import { runDeadLettersCli } from '@fairflax/publishing-api';
import { dataPath, envReader, runMain } from '@fairflax/service-kit';
import { graphProjection } from './projection.js';

// `pnpm --filter @fairflax/graph dead-letters list|replay ...`, also while graph runs: graph
// itself replays, so its search index follows the replayed events.
runMain('graph dead-letters', () => {
  const env = envReader();
  process.exitCode = runDeadLettersCli({
    service: 'graph',
    projection: graphProjection.name,
    defaultDbPath: dataPath(env, 'graph.sqlite'),
  });
  return Promise.resolve();
});
