import type { FollowedSource } from '@fairflax/event-store';
import { createArticlesCommands } from '@fairflax/publishing-api';
import { openReadSide } from '@fairflax/read-service';
import { type Closer, type EnvReader, type Logger } from '@fairflax/service-kit';
import { buildApp } from './app.js';
import { limitsFrom } from './limits.js';
import { graphProjection } from './projection.js';
import { ArticleSearch } from './search.js';
import { GRAPH_EXTENSIONS } from './extensions.js';

export interface GraphOptions {
  env: EnvReader;
  logger: Logger;
  /** Follow this source instead of the configured transport (one-process mode). */
  source?: FollowedSource;
}

/**
 * The composition root: graph's read model and search index, following the articles log;
 * queries are answered from them, mutations go to articles as gRPC commands.
 */
export async function startGraph({ env, logger, source }: GraphOptions): Promise<Closer> {
  const host = env.string('GRAPH_HOST', '127.0.0.1');
  const port = env.port('GRAPH_PORT', 4001);
  const articlesAddress = env.address('ARTICLES_ADDRESS', '127.0.0.1:50051');
  const limits = limitsFrom(env);

  const side = openReadSide({ service: 'graph', projection: graphProjection, env, logger, source });
  const { db, runner } = side;
  const search = new ArticleSearch(db);
  runner.onCommitted(search.onCommitted);
  search.rebuild();
  logger.info({ position: runner.globalPosition(), searchable: search.size }, 'read model opened');

  const commands = createArticlesCommands(articlesAddress);
  const log = await side.follow();

  const extensions = await Promise.all(
    GRAPH_EXTENSIONS.map(async (extension) => ({
      typeDefs: extension.typeDefs,
      ...(await extension.open({ db, runner, env, logger, inProcess: source !== undefined })),
    })),
  );
  const app = await buildApp({
    db,
    runner,
    search,
    commands,
    extensions,
    feedStatus: log.status,
    limits,
    logger,
  });
  side.extend(app);
  await app.listen({ host, port });
  logger.info(
    { url: `http://${host}:${port}/graphql`, graphiql: `http://${host}:${port}/graphiql` },
    'graph listening',
  );
  return async () => {
    await app.close();
    for (const extension of extensions) await extension.close();
    await log.stop();
    search.close();
    commands.close();
    db.close();
  };
}
