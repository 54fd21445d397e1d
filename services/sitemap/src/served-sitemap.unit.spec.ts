import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventLog, newsroomEvents } from '@fairflax/projections/testing';
import { openReadSide } from '@fairflax/read-service';
import { envReader, type Logger } from '@fairflax/service-kit';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from './app.js';
import { sitemapProjection } from './projection.js';

const PUBLIC_URL = 'https://news.fairflax.example';
const quiet = { info: () => {}, warn: () => {}, error: () => {} } as unknown as Logger;

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/** sitemap as `startReadService` wires it (the read side's cache and hooks), without a log. */
async function servedSitemap() {
  const dataDir = mkdtempSync(join(tmpdir(), 'sitemap-served-'));
  const side = openReadSide({
    service: 'sitemap',
    projection: sitemapProjection,
    env: envReader({ DATA_DIR: dataDir }),
    logger: quiet,
  });
  const app = await buildApp({ db: side.db, runner: side.runner, publicUrl: PUBLIC_URL });
  side.extend(app);
  closers.push(async () => {
    await app.close();
    side.db.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const log = eventLog();
  return {
    publish: (id: string, minute: number) =>
      side.runner.applyBatch(log(newsroomEvents.story(id, minute))),
    position: () => side.runner.globalPosition(),
    get: (url: string) => app.inject({ method: 'GET', url }),
  };
}

const locs = (body: string) => [...body.matchAll(/<loc>([^<]*)<\/loc>/g)].map((m) => m[1]);

describe('sitemap served with the read side', () => {
  it('lists a publication committed after the sitemap was served', async () => {
    const s = await servedSitemap();
    s.publish('first', 1);
    const once = await s.get('/sitemap');
    const again = await s.get('/sitemap');
    expect(again.rawPayload.equals(once.rawPayload)).toBe(true);
    expect(again.headers['content-type']).toBe('application/xml; charset=utf-8');
    expect(locs(again.body)).toEqual([expect.stringMatching(/first/)]);

    s.publish('second', 2);
    const moved = await s.get('/sitemap');
    expect(moved.headers['x-read-model-position']).toBe(String(s.position()));
    expect(locs(moved.body)).toEqual([
      expect.stringMatching(/second/),
      expect.stringMatching(/first/),
    ]);
  });
});
