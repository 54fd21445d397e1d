import { TRANSPORTS } from './transports.js';

export { TRANSPORTS };
/** For TRANSPORT's validation: `env.oneOf('TRANSPORT', TRANSPORT_NAMES, 'embedded')`. */
export const TRANSPORT_NAMES: readonly string[] = Object.keys(TRANSPORTS);
