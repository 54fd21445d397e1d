import type { Closer } from '@fairflax/service-kit';
import type { ServedReadModel } from './served-read-model.js';

/** What a read service offers its operators on an admin port of its own: nothing, no port. */
export const openReadServiceAdmin: (model: ServedReadModel) => Promise<Closer> = () =>
  Promise.resolve(() => Promise.resolve());
