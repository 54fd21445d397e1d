/** `pnpm demo:coupling [--system coupled]`: reads with articles down, gRPC calls/read, search. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { checkCoupling, formatCouplingReport, startSystem } from '@fairflax/testkit';

const root = fileURLToPath(new URL('..', import.meta.url));
const SYSTEMS: Record<string, string> = {
  current: join(root, 'services'),
  coupled: join(root, 'tutorial/coupled/services'),
};
const { values } = parseArgs({
  options: { system: { type: 'string' }, json: { type: 'boolean' } },
});
const available = Object.keys(SYSTEMS).filter((name) =>
  existsSync(join(SYSTEMS[name]!, 'articles')),
);
const system = values.system ?? available[0];
const dir = system === undefined ? undefined : SYSTEMS[system];
if (dir === undefined || !existsSync(dir)) {
  console.error(`unknown system "${system}"; available: ${available.join(', ')}`);
  process.exit(2);
}

console.error(`starting ${dir.slice(root.length)} on free ports ...`);
const running = await startSystem(dir);
try {
  console.error('reading each endpoint 10 times, then stopping articles ...');
  const report = await checkCoupling(running);
  console.log(values.json ? JSON.stringify(report, null, 2) : formatCouplingReport(report));
} finally {
  await running.stop();
}
