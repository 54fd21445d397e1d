import { followSource, openReadModel, ProjectionRunner } from '@fairflax/projections';
import { createArticlesCommands, EmbeddedFeed } from '@fairflax/publishing-api';
import { closeOnSignals, createLogger, envReader, runMain } from '@fairflax/service-kit';
import { buildApp } from './app.js';
import { graphDbPath } from './data-dir.js';
import { graphProjection } from './projection.js';
import { ArticleSearch } from './search.js';

runMain('graph', async () => {
  const env = envReader();
  const host = env.string('GRAPH_HOST', '127.0.0.1');
  const port = env.port('GRAPH_PORT', 4001);
  const articlesAddress = env.address('ARTICLES_ADDRESS', '127.0.0.1:50051');
  const dbPath = graphDbPath(env);
  const logger = createLogger('graph');

  const db = openReadModel(dbPath);
  const search = new ArticleSearch(db);
  const runner = new ProjectionRunner(db, graphProjection, { onCommitted: search.onCommitted });
  search.rebuild();
  logger.info({ dbPath, position: runner.globalPosition(), searchable: search.size }, 'read model opened');

  const commands = createArticlesCommands(articlesAddress);
  // Log when the connection comes or goes, not at every reconnect attempt while articles is away.
  let connected: boolean | undefined;
  const feed = new EmbeddedFeed(articlesAddress, {
    onStatus: (status) => {
      if (status.connected === connected) return;
      connected = status.connected;
      if (connected) logger.info({ feed: status }, 'feed connected');
      else logger.warn({ feed: status }, 'feed disconnected; serving what the read model has');
    },
  });
  const app = await buildApp({
    db,
    runner,
    search,
    commands,
    feedStatus: () => ({ ...feed.status }),
    logger: { level: process.env['LOG_LEVEL'] ?? 'info', name: 'graph' },
  });
  // Serve what the read model has right away; following catches up in the background.
  const following = followSource(runner, feed, logger);
  await app.listen({ host, port });
  logger.info({ url: `http://${host}:${port}/graphql`, graphiql: `http://${host}:${port}/graphiql` }, 'graph listening');
  closeOnSignals(logger, [
    () => app.close(),
    () => following.stop(),
    () => feed.close(),
    () => commands.close(),
    () => db.close(),
  ]);
});
