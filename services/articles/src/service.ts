import { randomUUID } from 'node:crypto';
import type { EventStore, RunningRelay } from '@fairflax/event-store';
import { openSqliteEventStore, SqliteCheckpoint } from '@fairflax/event-store-sqlite';
import { TRANSPORT_NAMES, TRANSPORTS } from '@fairflax/transports';
import {
  createMetricsRegistry,
  dataPath,
  grpcCallCounter,
  startMetricsServer,
  type Closer,
  type EnvReader,
  type Logger,
} from '@fairflax/service-kit';
import { ArticlesApplication } from './application.js';
import { grpcExtensions } from './grpc-extensions.js';
import { metricsExtensions } from './metrics-extensions.js';
import { bindGrpc, createGrpcServer } from './grpc-server.js';
import { seedNewsroom } from './seed.js';

export interface ArticlesOptions {
  env: EnvReader;
  logger: Logger;
}

export interface RunningArticles {
  /** The event store, for relaying it to a bus in one-process mode. */
  store: EventStore;
  close: Closer;
}

/** The composition root: the event store, the command application, gRPC commands and feed. */
export async function startArticles({ env, logger }: ArticlesOptions): Promise<RunningArticles> {
  const host = env.string('ARTICLES_HOST', '127.0.0.1');
  const port = env.port('ARTICLES_PORT', 50051);
  const metricsPort = env.port('ARTICLES_METRICS_PORT', 4000);
  const seed = env.oneOf('ARTICLES_SEED', ['true', 'false'], 'true') === 'true';

  const transport = env.oneOf('TRANSPORT', TRANSPORT_NAMES, 'embedded');
  const storePath = dataPath(env, 'articles-events.sqlite');
  const store = openSqliteEventStore(storePath);
  const clock = { now: () => new Date(), newId: randomUUID };
  if (seed) {
    const seeded = await seedNewsroom(store, clock.now());
    if (seeded > 0)
      logger.info({ events: seeded }, 'seeded an empty event store with the sample newsroom');
  }
  const app = new ArticlesApplication(store, clock);
  const registry = createMetricsRegistry();
  const calls = grpcCallCounter(registry);
  const serverDeps = { app, store, logger, newId: clock.newId, calls };
  const server = createGrpcServer(serverDeps);
  for (const extend of grpcExtensions) extend(server, serverDeps);
  const bound = await bindGrpc(server, `${host}:${port}`);
  const metrics = await startMetricsServer(host, metricsPort, registry, async () => ({
    status: 'ok',
    position: await store.headPosition(),
  }));

  // On a broker transport articles also relays its log onto the broker, from the log and
  // never inside a command, remembering how far it got in its own database. The gRPC feed
  // stays on either way.
  const relaying = new AbortController();
  let relay: RunningRelay | undefined;
  let checkpoint: SqliteCheckpoint | undefined;
  const chosen = TRANSPORTS[transport]!;
  if (chosen.startRelay) {
    checkpoint = new SqliteCheckpoint(storePath, `relay-${transport}`);
    relay = chosen.startRelay({
      store,
      checkpoint,
      env,
      logger,
      signal: relaying.signal,
    });
    logger.info({ transport, from: checkpoint.load() }, 'relaying the event log');
  }
  const stopMeasuring = metricsExtensions.map((measure) => measure(registry, { store, relay }));
  logger.info(
    {
      grpc: `${host}:${bound}`,
      metrics: `http://${host}:${metricsPort}/metrics`,
      head: await store.headPosition(),
    },
    'articles listening',
  );
  return {
    store,
    close: async () => {
      relaying.abort();
      await relay?.stopped;
      checkpoint?.close();
      // Feed subscriptions are endless streams: let commands finish, then cut the rest.
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => server.forceShutdown(), 2_000);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
      await new Promise<void>((resolve) => metrics.close(() => resolve()));
      for (const stop of stopMeasuring) stop();
      await store.close();
    },
  };
}
