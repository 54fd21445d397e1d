import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EnvReader } from '@fairflax/service-kit';

/** The repository's `.data` folder unless DATA_DIR says otherwise; shared by main and rebuild. */
export function graphDbPath(env: EnvReader): string {
  const dataDir = env.string('DATA_DIR', fileURLToPath(new URL('../../../.data', import.meta.url)));
  return join(dataDir, 'graph.sqlite');
}
