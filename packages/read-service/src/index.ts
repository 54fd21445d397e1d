export {
  openReadSide,
  readModelPath,
  type FollowingLog,
  type ReadModelFile,
  type ReadSide,
  type ReadSideContext,
  type ReadSideExtension,
  type ReadSideOptions,
} from './read-side.js';
export { serveApp, type ServedApp, type Serving } from './serving.js';
export { type ServedReadModel, type StandbyReadModel } from './served-read-model.js';
export {
  startReadService,
  type ReadService,
  type ReadServiceOptions,
  type ReadServiceParts,
} from './service.js';
