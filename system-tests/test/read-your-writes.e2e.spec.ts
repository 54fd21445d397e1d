import { fileURLToPath } from 'node:url';
import { createArticlesCommands, type ArticlesCommands } from '@fairflax/publishing-api';
import { startSystem, type RunningSystem } from '@fairflax/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const servicesDir = fileURLToPath(new URL('../../services', import.meta.url));

describe('read-your-writes (x-min-position), as real processes', { timeout: 90_000 }, () => {
  let system: RunningSystem;
  let commands: ArticlesCommands;

  beforeAll(async () => {
    system = await startSystem(servicesDir);
    commands = createArticlesCommands(`127.0.0.1:${system.ports.articles}`);
  }, 90_000);
  afterAll(async () => {
    commands?.close();
    await system?.stop();
  });

  it("answers a read at the command's position with the write in it, and says which position it read at", async () => {
    await commands.registerAuthor({ authorId: 'ryw-writer', name: 'Ryw Writer' });
    await commands.draftArticle({
      articleId: 'ryw-1',
      title: 'Read your own writes',
      body: 'B',
      category: 'business',
      authorId: 'ryw-writer',
    });
    const published = await commands.publishArticle({ articleId: 'ryw-1' });

    const res = await fetch(system.url('rss', '/feed'), {
      headers: { 'x-min-position': String(published.globalPosition) },
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Read your own writes');
    expect(Number(res.headers.get('x-read-model-position'))).toBeGreaterThanOrEqual(
      published.globalPosition,
    );
  });

  it('answers 503 problem+json with retry-after when the read model does not get there in time', async () => {
    const started = Date.now();
    const res = await fetch(system.url('rss', '/feed'), {
      headers: { 'x-min-position': '999999999', 'x-wait-timeout-ms': '200' },
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await res.json()).toMatchObject({ status: 503 });
  });

  it('refuses an x-min-position that is not a position with 400', async () => {
    const res = await fetch(system.url('rss', '/feed'), { headers: { 'x-min-position': 'abc' } });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });
});
