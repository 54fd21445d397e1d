import type { FollowedSource } from '@fairflax/event-store';
import type { Database, Projection, ProjectionRunner } from '@fairflax/projections';
import type { Closer, EnvReader, Logger } from '@fairflax/service-kit';
import type { FastifyInstance } from 'fastify';
import { openReadSide } from './read-side.js';

/** What makes one read service: its name, its projection and its HTTP app. */
export interface ReadService {
  /** Names the logs, the consumer group, the data file `<name>.sqlite` and `<NAME>_HOST`/`_PORT`. */
  name: string;
  defaultPort: number;
  /** The path its listening line points at (`/feed`). */
  path: string;
  projection(env: EnvReader): Projection;
  buildApp(parts: ReadServiceParts): Promise<FastifyInstance>;
}

export interface ReadServiceParts {
  db: Database;
  runner: ProjectionRunner;
  env: EnvReader;
  feedStatus: () => object;
  logger: Logger;
}

export interface ReadServiceOptions {
  env: EnvReader;
  logger: Logger;
  /** Follow this source instead of the configured transport (one-process mode). */
  source?: FollowedSource;
}

/**
 * A read service's composition root: its own read model, following the articles log, served
 * over HTTP. It answers from its file whether or not articles is reachable.
 */
export async function startReadService(
  service: ReadService,
  { env, logger, source }: ReadServiceOptions,
): Promise<Closer> {
  const prefix = service.name.toUpperCase();
  const host = env.string(`${prefix}_HOST`, '127.0.0.1');
  const port = env.port(`${prefix}_PORT`, service.defaultPort);

  const side = openReadSide({
    service: service.name,
    projection: service.projection(env),
    env,
    logger,
    source,
  });
  const log = await side.follow();
  const app = await service.buildApp({
    db: side.db,
    runner: side.runner,
    env,
    feedStatus: log.status,
    logger,
  });
  side.extend(app);
  await app.listen({ host, port });
  logger.info(
    { url: `http://${host}:${port}${service.path}`, position: side.runner.globalPosition() },
    `${service.name} listening`,
  );
  return async () => {
    await app.close();
    await log.stop();
    side.db.close();
  };
}
