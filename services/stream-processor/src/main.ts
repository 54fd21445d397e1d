import { closeOnSignals, createLogger, envReader, runMain } from '@fairflax/service-kit';
import { startStreamProcessor } from './service.js';

runMain('stream-processor', async () => {
  const logger = createLogger('stream-processor');
  closeOnSignals(logger, [await startStreamProcessor({ env: envReader(), logger })]);
});
