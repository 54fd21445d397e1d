import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createArticlesCommands } from '@fairflax/publishing-api';
import {
  freeSystemPorts,
  startService,
  systemPortsEnv,
  waitFor,
  waitForPosition,
} from '@fairflax/testkit';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('one-process mode (in-process bus)', { timeout: 90_000 }, () => {
  it('runs all four services in one process, the read side fed through the in-process bus', async () => {
    const ports = await freeSystemPorts();
    const dataDir = mkdtempSync(join(tmpdir(), 'fairflax-one-process-'));
    const service = await startService({
      name: 'one-process',
      dir: root,
      entry: 'scripts/one-process.ts',
      readyPort: ports.sitemap,
      env: { DATA_DIR: dataDir, ...systemPortsEnv(ports) },
    });
    const commands = createArticlesCommands(`127.0.0.1:${ports.articles}`);
    try {
      await commands.registerAuthor({ authorId: 'solo', name: 'Solo Writer' });
      await commands.draftArticle({
        articleId: 'solo-1',
        title: 'One process, one bus',
        body: 'B',
        category: 'lifestyle',
        authorId: 'solo',
      });
      const published = await commands.publishArticle({ articleId: 'solo-1' });

      await waitForPosition(`http://127.0.0.1:${ports.rss}`, published.globalPosition);
      const feed = await fetch(`http://127.0.0.1:${ports.rss}/feed/lifestyle`);
      expect(feed.status).toBe(200);
      expect(await feed.text()).toContain('One process, one bus');
      const health = (await (await fetch(`http://127.0.0.1:${ports.graph}/healthz`)).json()) as {
        feed: { transport: string };
      };
      expect(health.feed.transport).toBe('in-process');
      await waitFor('sitemap to list the article', async () =>
        (await (await fetch(`http://127.0.0.1:${ports.sitemap}/sitemap`)).text()).includes(
          '/articles/solo-1',
        ),
      );
      expect(await service.stop()).toBe(0);
    } finally {
      commands.close();
      await service.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
