import { createServer } from 'node:http';
import { closeOnSignals, createLogger, envReader, runMain } from '@fairflax/service-kit';
import { bindGrpc, CallCounter, createGrpcServer } from './grpc-server.js';
import { InMemoryArticles } from './store.js';

runMain('articles', async () => {
  const env = envReader();
  const host = env.string('ARTICLES_HOST', '127.0.0.1');
  const port = env.port('ARTICLES_PORT', 50051);
  const metricsPort = env.port('ARTICLES_METRICS_PORT', 4000);
  const logger = createLogger('articles');

  const counter = new CallCounter();
  const server = createGrpcServer(new InMemoryArticles(), logger, counter);
  const bound = await bindGrpc(server, `${host}:${port}`);

  const metrics = createServer((req, res) => {
    if (req.url === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(counter.prometheus());
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => metrics.listen(metricsPort, host, resolve));
  logger.info({ grpc: `${host}:${bound}`, metrics: `http://${host}:${metricsPort}/metrics` }, 'articles listening');

  closeOnSignals(logger, [
    () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
    () => new Promise<void>((resolve) => metrics.close(() => resolve())),
  ]);
});
