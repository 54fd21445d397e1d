import { createArticlesClient } from '@fairflax/coupled-publishing-api';
import { closeOnSignals, createLogger, envReader, runMain } from '@fairflax/service-kit';
import { buildApp } from './app.js';

runMain('graph', async () => {
  const env = envReader();
  const host = env.string('GRAPH_HOST', '127.0.0.1');
  const port = env.port('GRAPH_PORT', 4001);
  const articles = createArticlesClient(env.address('ARTICLES_ADDRESS', '127.0.0.1:50051'));
  const logger = createLogger('graph');
  const app = await buildApp({
    articles,
    logger,
  });
  await app.listen({ host, port });
  logger.info(
    { url: `http://${host}:${port}/graphql`, graphiql: `http://${host}:${port}/graphiql` },
    'graph listening',
  );
  closeOnSignals(logger, [() => app.close(), () => articles.close()]);
});
