import { closeOnSignals, createLogger, envReader, runMain } from '@fairflax/service-kit';
import { startArticles } from './service.js';

runMain('articles', async () => {
  const logger = createLogger('articles');
  const articles = await startArticles({ env: envReader(), logger });
  closeOnSignals(logger, [articles.close]);
});
