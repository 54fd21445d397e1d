import { liveRebuild, openAdminPort } from '@fairflax/operations';
import type { Closer } from '@fairflax/service-kit';
import type { ServedReadModel } from './served-read-model.js';

/** What a read service offers its operators on an admin port of its own: a live rebuild. */
export const openReadServiceAdmin = (model: ServedReadModel): Promise<Closer> =>
  openAdminPort(model, [liveRebuild(model)]);
