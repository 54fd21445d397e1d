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

/**
 * Something a read service runs beside its projection; `extensions.ts` lists them. The list is
 * made once per read model file (a live rebuild opens a second one), so state kept per file
 * stays with it; what must exist once per process belongs outside the list's function.
 */
export interface ReadSideExtension {
  /** Wrapped around the projection's apply. */
  middleware?: ApplyMiddleware;
  /** Once the service follows `source`; returns what stops it, called before the source closes. */
  follow?(runner: ProjectionRunner, source: FollowedSource): () => Promise<void>;
  /** Hooks on the service's HTTP app, added before it listens. */
  http?(app: FastifyInstance, runner: ProjectionRunner): void;
}

export interface ReadSideContext {
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
  /** Stops applying the log, once the batch under way has committed; the file keeps serving. */
  pause(): Promise<void>;
  /** Applies the log to `file` from the positions stored in it (the paused one, or a rebuilt one). */
  resume(file: ReadModelFile): void;
}

/** One read model file, kept by its own runner with this build's extensions. */
export interface ReadModelFile {
  path: string;
  db: Database;
  runner: ProjectionRunner;
  /** Adds the extensions' hooks to an HTTP app that answers from this file, before it listens. */
  extend(app: FastifyInstance): void;
  /** Made for this file: their middleware keeps state of it. */
  readonly extensions: readonly ReadSideExtension[];
}

export interface ReadSide extends ReadModelFile {
  /** Starts following the articles log: register commit listeners on the runner first. */
  follow(): Promise<FollowingLog>;
  /** Another file with the same projection and extensions (a rebuild's), not following yet. */
  openFile(path: string): ReadModelFile;
  /** A source of the articles log of its own over TRANSPORT, from the start, for a rebuild. */
  openRebuildSource(): Promise<FollowedSource>;
}

export const readModelPath = (service: string, env: EnvReader) =>
  dataPath(env, `${service}.sqlite`);

/** A read model in its own file and the runner that keeps it, with this build's extensions. */
export function openReadSide(options: ReadSideOptions): ReadSide {
  const openFile = (path: string) => openReadModelFile(path, options);
  const live = openFile(readModelPath(options.service, options.env));
  return {
    ...live,
    follow: () => followArticlesLog(options, live),
    openFile,
    openRebuildSource: async () => {
      if (options.source)
        throw new Error('a live rebuild needs a transport: not in one-process mode');
      return openSource({ ...options, service: `${options.service}-rebuild` });
    },
  };
}

function openReadModelFile(path: string, options: ReadSideOptions): ReadModelFile {
  const { service, projection, logger } = options;
  const extensions = readSideExtensions({ service, projection: projection.name, logger });
  const db = openReadModel(path);
  const runner = new ProjectionRunner(db, projection, {
    middleware: extensions.flatMap((e) => (e.middleware ? [e.middleware] : [])),
  });
  return {
    path,
    db,
    runner,
    extensions,
    extend: (app) => {
      for (const e of extensions) e.http?.(app, runner);
    },
  };
}

function openSource({ service, env, logger }: ReadSideOptions): Promise<FollowedSource> {
  const transport = env.oneOf('TRANSPORT', TRANSPORT_NAMES, 'embedded');
  const articlesAddress = env.address('ARTICLES_ADDRESS', '127.0.0.1:50051');
  return TRANSPORTS[transport]!.openEventSource({
    service,
    articlesAddress,
    env,
    logger,
    onConnectionChange: (connected, status) => {
      if (connected) logger.info({ service, transport, status }, 'following the articles log');
      else
        logger.warn(
          { service, transport, status },
          'articles log unreachable; serving what was applied so far',
        );
    },
  });
}

/** Follows the articles log over TRANSPORT; the read model keeps serving while it is away. */
async function followArticlesLog(
  options: ReadSideOptions,
  first: ReadModelFile,
): Promise<FollowingLog> {
  const { env, logger, source: given } = options;
  const source = given ?? (await openSource(options));
  const transport = given ? 'in-process' : env.oneOf('TRANSPORT', TRANSPORT_NAMES, 'embedded');
  const start = ({ runner, extensions }: ReadModelFile) => {
    const stops = extensions.flatMap((e) => (e.follow ? [e.follow(runner, source)] : []));
    const following = followSource(runner, source, logger);
    return async () => {
      await following.stop();
      for (const stop of stops) await stop();
    };
  };
  let stopFollowing: (() => Promise<void>) | undefined = start(first);
  const pause = async () => {
    const stop = stopFollowing;
    stopFollowing = undefined;
    await stop?.();
  };
  return {
    status: () => ({ transport, ...source.status() }),
    pause,
    resume: (file) => {
      if (stopFollowing) throw new Error('already following the log');
      stopFollowing = start(file);
    },
    stop: async () => {
      await pause();
      await source.close();
    },
  };
}
