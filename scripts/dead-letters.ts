/** `pnpm dead-letters <service> list|replay`, run in the service's folder so DATA_DIR resolves. */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tsNodeArgs } from '@fairflax/testkit';

const SERVICES = ['graph', 'rss', 'sitemap'];
const root = fileURLToPath(new URL('..', import.meta.url));
const [service, ...args] = process.argv.slice(2);

const dir = service === undefined ? undefined : join(root, 'services', service);
if (
  service === undefined ||
  !SERVICES.includes(service) ||
  dir === undefined ||
  !existsSync(join(dir, 'src/dead-letters.ts'))
) {
  console.error(
    `${service === undefined ? 'missing service' : `unknown service "${service}"`}\n` +
      `usage: pnpm dead-letters <${SERVICES.join('|')}> <list|replay> [options]`,
  );
  process.exit(2);
}
const child = spawn(process.execPath, [...tsNodeArgs('src/dead-letters.ts'), ...args], {
  cwd: dir,
  stdio: 'inherit',
});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
