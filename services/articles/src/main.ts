import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openSqliteEventStore } from '@fairflax/event-store-sqlite';
import {
  closeOnSignals,
  Counter,
  createLogger,
  envReader,
  runMain,
  startMetricsServer,
} from '@fairflax/service-kit';
import { ArticlesApplication } from './application.js';
import { bindGrpc, createGrpcServer } from './grpc-server.js';
import { seedNewsroom } from './seed.js';

const DEFAULT_DATA_DIR = fileURLToPath(new URL('../../../.data', import.meta.url));

runMain('articles', async () => {
  const env = envReader();
  const host = env.string('ARTICLES_HOST', '127.0.0.1');
  const port = env.port('ARTICLES_PORT', 50051);
  const metricsPort = env.port('ARTICLES_METRICS_PORT', 4000);
  const dataDir = env.string('DATA_DIR', DEFAULT_DATA_DIR);
  const seed = env.oneOf('ARTICLES_SEED', ['true', 'false'], 'true') === 'true';
  const logger = createLogger('articles');

  const store = openSqliteEventStore(join(dataDir, 'articles-events.sqlite'));
  if (seed) {
    const seeded = await seedNewsroom(store);
    if (seeded > 0) logger.info({ events: seeded }, 'seeded an empty event store with the sample newsroom');
  }
  const clock = { now: () => new Date(), newId: randomUUID };
  const app = new ArticlesApplication(store, clock);
  const calls = new Counter('grpc_server_handled_total', 'grpc_method');
  const server = createGrpcServer({ app, store, logger, newId: clock.newId, calls });
  const bound = await bindGrpc(server, `${host}:${port}`);
  const metrics = await startMetricsServer(host, metricsPort, [calls]);
  logger.info(
    { grpc: `${host}:${bound}`, metrics: `http://${host}:${metricsPort}/metrics`, head: await store.headPosition() },
    'articles listening',
  );

  closeOnSignals(logger, [
    // Subscriptions are endless streams: give commands a moment to finish, then cut the rest.
    () =>
      new Promise<void>((resolve) => {
        const force = setTimeout(() => server.forceShutdown(), 2_000);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      }),
    () => new Promise<void>((resolve) => metrics.close(() => resolve())),
    () => store.close(),
  ]);
});
