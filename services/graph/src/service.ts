import { openReadModel, ProjectionRunner } from '@fairflax/projections';
import type { FollowedSource, FollowedTopic } from '@fairflax/event-store';
import { createArticlesCommands } from '@fairflax/publishing-api';
import { deadLetterReporter, followArticlesLog } from '@fairflax/read-service';
import { TRANSPORT_NAMES, TRANSPORTS } from '@fairflax/transports';
import { dataPath, type Closer, type EnvReader, type Logger } from '@fairflax/service-kit';
import { buildApp } from './app.js';
import { limitsFrom } from './limits.js';
import { graphProjection } from './projection.js';
import { ArticleSearch } from './search.js';
import { ArticleStatsView } from './stats.js';

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

  const db = openReadModel(dataPath(env, 'graph.sqlite'));
  const search = new ArticleSearch(db);
  const deadLetters = deadLetterReporter(logger);
  const runner = new ProjectionRunner(db, graphProjection, {
    onCommitted: search.onCommitted,
    onParked: deadLetters.onParked,
  });
  search.rebuild();
  logger.info({ position: runner.globalPosition(), searchable: search.size }, 'read model opened');

  const commands = createArticlesCommands(articlesAddress);
  const log = await followArticlesLog({
    service: 'graph',
    runner,
    deadLetters,
    logger,
    env,
    source,
  });

  // On a broker, the stream processor's counts arrive on their own topic (categoryStats).
  const transport = TRANSPORTS[env.oneOf('TRANSPORT', TRANSPORT_NAMES, 'embedded')]!;
  let stats: ArticleStatsView | undefined;
  let statsTopic: FollowedTopic | undefined;
  if (transport.followTopic && !source) {
    const view = new ArticleStatsView(db);
    statsTopic = await transport.followTopic({
      service: 'graph',
      topic: 'article-stats',
      env,
      logger,
      onRecords: (records) => {
        const { rejected } = view.apply(records);
        if (rejected.length > 0)
          logger.warn({ keys: rejected }, 'ignored malformed article-stats records');
      },
    });
    stats = view;
  }
  const app = await buildApp({
    db,
    runner,
    search,
    commands,
    ...(stats && { stats }),
    feedStatus: log.status,
    limits,
    logger: { level: logger.level, name: 'graph' },
  });
  await app.listen({ host, port });
  logger.info(
    { url: `http://${host}:${port}/graphql`, graphiql: `http://${host}:${port}/graphiql` },
    'graph listening',
  );
  return async () => {
    await app.close();
    await statsTopic?.close();
    await log.stop();
    commands.close();
    db.close();
  };
}
