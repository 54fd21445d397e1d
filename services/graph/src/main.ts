import { closeOnSignals, createLogger, envReader, runMain } from '@fairflax/service-kit';
import { startGraph } from './service.js';

runMain('graph', async () => {
  const logger = createLogger('graph');
  closeOnSignals(logger, [await startGraph({ env: envReader(), logger })]);
});
