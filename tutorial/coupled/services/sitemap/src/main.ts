import { createArticlesClient } from '@fairflax/coupled-publishing-api';
import { closeOnSignals, createLogger, envReader, runMain } from '@fairflax/service-kit';
import { buildApp } from './app.js';

runMain('sitemap', async () => {
  const env = envReader();
  const host = env.string('SITEMAP_HOST', '127.0.0.1');
  const port = env.port('SITEMAP_PORT', 4003);
  const publicUrl = env.url('PUBLIC_URL', 'https://news.fairflax.example');
  const articles = createArticlesClient(env.address('ARTICLES_ADDRESS', '127.0.0.1:50051'));
  const logger = createLogger('sitemap');
  const app = await buildApp({
    articles,
    publicUrl,
    logger,
  });
  await app.listen({ host, port });
  logger.info({ url: `http://${host}:${port}/sitemap` }, 'sitemap listening');
  closeOnSignals(logger, [() => app.close(), () => articles.close()]);
});
