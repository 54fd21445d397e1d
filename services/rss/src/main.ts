import { closeOnSignals, createLogger, envReader, runMain } from '@fairflax/service-kit';
import { startRss } from './service.js';

runMain('rss', async () => {
  const logger = createLogger('rss');
  closeOnSignals(logger, [await startRss({ env: envReader(), logger })]);
});
