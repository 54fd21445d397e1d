export { InProcessBus, inProcessFeatures } from './in-process-bus.js';
export type { HandlerFailure, InProcessBusOptions } from './options.js';
