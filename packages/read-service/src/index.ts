export {
  openReadSide,
  type FollowingLog,
  type ReadSide,
  type ReadSideContext,
  type ReadSideExtension,
  type ReadSideOptions,
} from './read-side.js';
export {
  startReadService,
  type ReadService,
  type ReadServiceOptions,
  type ReadServiceParts,
} from './service.js';
