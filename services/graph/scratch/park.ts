import { rmSync } from 'node:fs';
import { openReadModel, ProjectionRunner } from '@fairflax/projections';
import { rssFeedProjection } from '@fairflax/rss/projection';
import { sitemapProjection } from '@fairflax/sitemap/projection';
import { DeadLetterParking } from '@fairflax/operations';
import { generateNewsroomLog } from '../../../bench/src/newsroom.js';
const log = generateNewsroomLog(100000);
for (let r = 0; r < 2; r++) for (const which of ['sitemap', 'rss']) for (const park of [false, true]) {
  const path = `/tmp/park.sqlite`;
  for (const s of ['', '-wal', '-shm']) rmSync(path + s, { force: true });
  const db = openReadModel(path);
  const proj = which === 'rss' ? rssFeedProjection('https://x.example') : sitemapProjection;
  const runner = new ProjectionRunner(db, proj, { middleware: park ? [new DeadLetterParking(proj.name)] : [] });
  const c = process.cpuUsage(); const t = performance.now();
  for (let i = 0; i < log.events.length; i += 2000) runner.applyBatch(log.events.slice(i, i + 2000).map((event) => ({ source: 'log', position: event.globalPosition, event })));
  const u = process.cpuUsage(c);
  console.log(which, park ? 'parking' : 'plain  ', 'wall', (performance.now() - t).toFixed(0), 'cpu', ((u.user + u.system) / 1000).toFixed(0));
  db.close();
}
