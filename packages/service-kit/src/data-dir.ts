import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EnvReader } from './config.js';

/** The repository's `.data` folder: where services keep their files unless DATA_DIR says otherwise. */
export const DEFAULT_DATA_DIR = fileURLToPath(new URL('../../../.data', import.meta.url));

/** Path of a service's file inside DATA_DIR. */
export function dataPath(env: EnvReader, file: string): string {
  return join(env.string('DATA_DIR', DEFAULT_DATA_DIR), file);
}
