import {
  closeOnSignals,
  createLogger,
  createMetricsRegistry,
  grpcCallCounter,
  envReader,
  runMain,
  startMetricsServer,
} from '@fairflax/service-kit';
import { bindGrpc, createGrpcServer } from './grpc-server.js';
import { InMemoryArticles } from './store.js';

runMain('articles', async () => {
  const env = envReader();
  const host = env.string('ARTICLES_HOST', '127.0.0.1');
  const port = env.port('ARTICLES_PORT', 50051);
  const metricsPort = env.port('ARTICLES_METRICS_PORT', 4000);
  const logger = createLogger('articles');

  const registry = createMetricsRegistry();
  const counter = grpcCallCounter(registry);
  const server = createGrpcServer(new InMemoryArticles(), logger, counter);
  const bound = await bindGrpc(server, `${host}:${port}`);

  const metrics = await startMetricsServer(host, metricsPort, registry);
  logger.info(
    { grpc: `${host}:${bound}`, metrics: `http://${host}:${metricsPort}/metrics` },
    'articles listening',
  );

  closeOnSignals(logger, [
    () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
    () => new Promise<void>((resolve) => metrics.close(() => resolve())),
  ]);
});
