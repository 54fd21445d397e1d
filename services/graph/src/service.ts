import { createArticlesCommands } from '@fairflax/publishing-api';
import {
  startReadService,
  type ReadService,
  type ReadServiceOptions,
} from '@fairflax/read-service';
import { buildApp } from './app.js';
import { limitsFrom } from './limits.js';
import { graphProjection } from './projection.js';
import { ArticleSearch } from './search.js';
import { GRAPH_EXTENSIONS } from './extensions.js';

export type GraphOptions = ReadServiceOptions;

/**
 * Graph's read model and search index, following the articles log; queries are answered from
 * them, mutations go to articles as gRPC commands. Each read model file it serves (a live
 * rebuild opens a second) gets its own index, filled from it and kept by its runner.
 */
export const graph: ReadService = {
  name: 'graph',
  defaultPort: 4001,
  path: '/graphql',
  projection: () => graphProjection,
  async buildApp({ db, runner, env, feedStatus, logger, inProcess, consumer }) {
    const search = new ArticleSearch(db);
    // Together, with no await between: a commit after the fill reaches the index, none twice.
    runner.onCommitted(search.onCommitted);
    search.rebuild();
    const commands = createArticlesCommands(env.address('ARTICLES_ADDRESS', '127.0.0.1:50051'));
    const extensions = await Promise.all(
      GRAPH_EXTENSIONS.map(async (extension) => ({
        typeDefs: extension.typeDefs,
        ...(await extension.open({ db, runner, env, logger, inProcess, consumer })),
      })),
    );
    const app = await buildApp({
      db,
      runner,
      search,
      commands,
      extensions,
      feedStatus,
      limits: limitsFrom(env),
      logger,
    });
    app.addHook('onClose', async () => {
      for (const extension of extensions) await extension.close();
      search.close();
      commands.close();
    });
    return app;
  },
};

export const startGraph = (options: GraphOptions) => startReadService(graph, options);
