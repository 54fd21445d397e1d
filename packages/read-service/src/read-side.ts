import type { FollowedSource } from '@fairflax/event-store';
import {
  followSource,
  openReadModel,
  ProjectionRunner,
  type ApplyMiddleware,
  type Database,
  type Projection,
} from '@fairflax/projections';
import { dataPath, type EnvReader, type Logger } from '@fairflax/service-kit';
import { TRANSPORT_NAMES, TRANSPORTS } from '@fairflax/transports';
import type { FastifyInstance } from 'fastify';
import { readSideExtensions } from './extensions.js';

/** Something a read service runs beside its projection; `extensions.ts` lists them. */
export interface ReadSideExtension {
  /** Wrapped around the projection's apply. */
  middleware?: ApplyMiddleware;
  /** Once the service follows `source`; returns what stops it, called before the source closes. */
  follow?(runner: ProjectionRunner, source: FollowedSource): () => Promise<void>;
  /** Hooks on the service's HTTP app, added before it listens. */
  http?(app: FastifyInstance, runner: ProjectionRunner): void;
}

export interface ReadSideContext {
  /** The read service's name. */
  service: string;
  /** The projection's name: the rows of the read model it owns. */
  projection: string;
  logger: Logger;
}

export interface ReadSideOptions {
  /** Names the consumer group on a broker and the data file `<service>.sqlite`. */
  service: string;
  projection: Projection;
  env: EnvReader;
  logger: Logger;
  /** Follow this source instead of the configured transport (one-process mode). */
  source?: FollowedSource;
}

export interface FollowingLog {
  status: () => object;
  stop: () => Promise<void>;
}

export interface ReadSide {
  db: Database;
  runner: ProjectionRunner;
  /** Starts following the articles log: register commit listeners on the runner first. */
  follow(): Promise<FollowingLog>;
  /** Adds the extensions' hooks to the service's HTTP app, before it listens. */
  extend(app: FastifyInstance): void;
}

const readModelPath = (service: string, env: EnvReader) => dataPath(env, `${service}.sqlite`);

/** A read model in its own file and the runner that keeps it, with this build's extensions. */
export function openReadSide(options: ReadSideOptions): ReadSide {
  const { service, projection, env, logger } = options;
  const extensions = readSideExtensions({ service, projection: projection.name, logger });
  const db = openReadModel(readModelPath(service, env));
  const runner = new ProjectionRunner(db, projection, {
    middleware: extensions.flatMap((e) => (e.middleware ? [e.middleware] : [])),
  });
  return {
    db,
    runner,
    follow: () => followArticlesLog(options, runner, extensions),
    extend: (app) => {
      for (const e of extensions) e.http?.(app, runner);
    },
  };
}

/** Follows the articles log over TRANSPORT; the read model keeps serving while it is away. */
async function followArticlesLog(
  { service, env, logger, source: given }: ReadSideOptions,
  runner: ProjectionRunner,
  extensions: readonly ReadSideExtension[],
): Promise<FollowingLog> {
  const transport = env.oneOf('TRANSPORT', TRANSPORT_NAMES, 'embedded');
  const articlesAddress = env.address('ARTICLES_ADDRESS', '127.0.0.1:50051');
  const source =
    given ??
    (await TRANSPORTS[transport]!.openEventSource({
      service,
      articlesAddress,
      env,
      logger,
      onConnectionChange: (connected, status) => {
        if (connected) logger.info({ transport, status }, 'following the articles log');
        else
          logger.warn(
            { transport, status },
            'articles log unreachable; serving what was applied so far',
          );
      },
    }));
  const stops = extensions.flatMap((e) => (e.follow ? [e.follow(runner, source)] : []));
  const following = followSource(runner, source, logger);
  return {
    status: () => ({ transport: given ? 'in-process' : transport, ...source.status() }),
    stop: async () => {
      await following.stop();
      for (const stop of stops) await stop();
      await source.close();
    },
  };
}
