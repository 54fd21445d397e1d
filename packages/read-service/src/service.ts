import type { FollowedSource } from '@fairflax/event-store';
import {
  openReadModel,
  ProjectionRunner,
  type Database,
  type Projection,
} from '@fairflax/projections';
import {
  dataPath,
  envReader,
  runMain,
  type Closer,
  type EnvReader,
  type Logger,
} from '@fairflax/service-kit';
import { runDeadLettersCli } from './dead-letters-cli.js';
import { deadLetterReporter, followArticlesLog } from './read-side.js';
import { runRebuildCli } from './rebuild-cli.js';

/** What makes one read service: its name, its projection and its HTTP app. */
export interface ReadService {
  /** Names the logs, the consumer group, the data file `<name>.sqlite` and `<NAME>_HOST`/`_PORT`. */
  name: string;
  defaultPort: number;
  /** The path its listening line points at (`/feed`). */
  path: string;
  projection(env: EnvReader): Projection;
  buildApp(parts: ReadServiceParts): Promise<HttpApp>;
}

export interface ReadServiceParts {
  db: Database;
  runner: ProjectionRunner;
  env: EnvReader;
  feedStatus: () => object;
  logger: { level: string; name: string };
}

export interface HttpApp {
  listen(options: { host: string; port: number }): Promise<unknown>;
  close(): Promise<unknown>;
}

export interface ReadServiceOptions {
  env: EnvReader;
  logger: Logger;
  /** Follow this source instead of the configured transport (one-process mode). */
  source?: FollowedSource;
}

const dbFile = (name: string, env: EnvReader) => dataPath(env, `${name}.sqlite`);

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

  const db = openReadModel(dbFile(service.name, env));
  const deadLetters = deadLetterReporter(logger);
  const runner = new ProjectionRunner(db, service.projection(env), {
    onParked: deadLetters.onParked,
  });
  const log = await followArticlesLog({
    service: service.name,
    runner,
    deadLetters,
    logger,
    env,
    source,
  });
  const app = await service.buildApp({
    db,
    runner,
    env,
    feedStatus: log.status,
    logger: { level: logger.level, name: service.name },
  });
  await app.listen({ host, port });
  logger.info(
    { url: `http://${host}:${port}${service.path}`, position: runner.globalPosition() },
    `${service.name} listening`,
  );
  return async () => {
    await app.close();
    await log.stop();
    db.close();
  };
}

/** `pnpm --filter @fairflax/<name> run rebuild [--articles host:port] [--db path]`; stop the service first. */
export function rebuildMain(service: Pick<ReadService, 'name' | 'projection'>): void {
  runMain(`${service.name} rebuild`, async () => {
    const env = envReader();
    await runRebuildCli({
      service: service.name,
      projection: service.projection(env),
      defaultDbPath: dbFile(service.name, env),
      defaultAddress: env.address('ARTICLES_ADDRESS', '127.0.0.1:50051'),
    });
  });
}

/** `pnpm --filter @fairflax/<name> dead-letters list|replay ...`; works while the service runs. */
export function deadLettersMain(service: Pick<ReadService, 'name' | 'projection'>): void {
  runMain(`${service.name} dead-letters`, () => {
    const env = envReader();
    process.exitCode = runDeadLettersCli({
      service: service.name,
      projection: service.projection(env).name,
      defaultDbPath: dbFile(service.name, env),
    });
    return Promise.resolve();
  });
}
