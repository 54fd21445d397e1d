import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EnvReader } from './config.js';

export const DEFAULT_DATA_DIR = fileURLToPath(new URL('../../../.data', import.meta.url));

export function dataPath(env: EnvReader, file: string): string {
  return join(env.string('DATA_DIR', DEFAULT_DATA_DIR), file);
}
