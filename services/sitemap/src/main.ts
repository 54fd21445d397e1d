import { closeOnSignals, createLogger, envReader, runMain } from '@fairflax/service-kit';
import { startSitemap } from './service.js';

runMain('sitemap', async () => {
  const logger = createLogger('sitemap');
  closeOnSignals(logger, [await startSitemap({ env: envReader(), logger })]);
});
