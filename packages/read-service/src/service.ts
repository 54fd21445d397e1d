import { basename } from 'node:path';
import type { FollowedSource } from '@fairflax/event-store';
import type { Database, Projection, ProjectionRunner } from '@fairflax/projections';
import type { Closer, EnvReader, Logger } from '@fairflax/service-kit';
import type { FastifyInstance } from 'fastify';
import { openReadServiceAdmin } from './admin.js';
import { servedReadModel } from './served-read-model.js';
import { openReadSide, type ReadModelFile } from './read-side.js';
import { serveApp, type ServedApp } from './serving.js';

/** What makes one read service: its name, its projection and its HTTP app. */
export interface ReadService {
  /** Names the logs, the consumer group, the data file `<name>.sqlite` and `<NAME>_HOST`/`_PORT`. */
  name: string;
  defaultPort: number;
  /** The path its listening line points at (`/feed`). */
  path: string;
  projection(env: EnvReader): Projection;
  /** Once per read model file it serves: what the app opens beside it closes with the app. */
  buildApp(parts: ReadServiceParts): Promise<FastifyInstance>;
}

export interface ReadServiceParts {
  db: Database;
  runner: ProjectionRunner;
  env: EnvReader;
  feedStatus: () => object;
  logger: Logger;
  /** One-process mode: the service has no transport of its own. */
  inProcess: boolean;
  /**
   * Names the consumer groups the app opens: the service's name for the file it started with;
   * another for a file rebuilt beside it, so that its followers read their topics from the start
   * and take nothing from the live file's.
   */
  consumer: string;
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
  const serve = async (file: ReadModelFile): Promise<ServedApp> => {
    const app = await service.buildApp({
      db: file.db,
      runner: file.runner,
      env,
      feedStatus: log.status,
      logger,
      inProcess: source !== undefined,
      consumer:
        file === side
          ? service.name
          : `${service.name}-${basename(file.path, '.sqlite').replace(`${service.name}.`, '')}`,
    });
    file.extend(app);
    return {
      app,
      close: async () => {
        await app.close();
        file.db.close();
      },
    };
  };
  const serving = await serveApp(await serve(side), { host, port });
  const model = servedReadModel({ name: service.name, env, logger, side, log, serving, serve });
  const closeAdmin = await openReadServiceAdmin(model);
  logger.info(
    {
      url: `http://${host}:${serving.port}${service.path}`,
      position: side.runner.globalPosition(),
    },
    `${service.name} listening`,
  );
  return async () => {
    await closeAdmin();
    await log.stop();
    await serving.close();
  };
}
