import { fileURLToPath } from 'node:url';
import { startSystem, waitFor, type RunningSystem } from '@fairflax/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBrowser, type Browser } from '../../test/chromium.js';

const servicesDir = fileURLToPath(new URL('../../../', import.meta.url));

describe('the event explorer, in a real browser', { timeout: 90_000 }, () => {
  let system: RunningSystem;
  let browser: Browser;

  beforeAll(async () => {
    browser = await openBrowser();
    system = await startSystem(servicesDir);
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await system?.stop();
  });

  async function graphql(query: string, variables: object = {}): Promise<any> {
    const res = await fetch(system.url('graph', '/graphql'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as any;
    expect(body.errors).toBeUndefined();
    return body.data;
  }

  it('tails a draft and its publication live, filters them, and shows the article as of each event', async () => {
    const { page } = browser;
    const problems: string[] = [];
    page.on('pageerror', (err) => problems.push(err.message));
    page.on('console', (m) => void (m.type() === 'error' && problems.push(m.text())));
    await page.goto(system.url('graph', '/explorer'));
    await page.locator('#tail-status', { hasText: 'Live' }).waitFor();
    for (const service of ['graph', 'rss', 'sitemap']) {
      const position = page.locator(`#positions-body tr[data-service="${service}"] td`).first();
      await position.filter({ hasText: /^\d+$/ }).waitFor();
    }
    let loads = 0;
    page.on('load', () => loads++);

    await graphql(
      'mutation { registerAuthor(name: "Edna Explorer", authorId: "edna") { streamId } }',
    );
    await graphql(`
      mutation {
        draftArticle(
          input: {
            articleId: "tail-1"
            title: "Seen live"
            body: "<b>not bold</b>"
            category: "business"
            authorId: "edna"
          }
        ) {
          globalPosition
        }
      }
    `);
    await graphql('mutation { publishArticle(id: "tail-1") { globalPosition } }');

    const rows = page.locator('#tail-body tr', { hasText: 'tail-1' });
    await rows.filter({ hasText: 'ArticlePublished' }).waitFor();
    await rows.filter({ hasText: 'ArticleDrafted' }).waitFor();
    expect(loads).toBe(0);

    await page.getByLabel('Type').fill('ArticleDrafted');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    const types = page.locator('#tail-body td:nth-child(2)');
    await waitFor('only drafts in the tail', async () => {
      const shown = await types.allTextContents();
      return shown.length > 0 && shown.every((type) => type === 'ArticleDrafted');
    });
    await rows.first().waitFor();

    await rows.getByRole('link', { name: 'tail-1' }).click();
    const timeline = page.locator('#timeline a');
    await timeline.filter({ hasText: 'ArticlePublished' }).waitFor();
    expect(await timeline.allTextContents()).toEqual([
      expect.stringMatching(/^\d+ · ArticleDrafted$/),
      expect.stringMatching(/^\d+ · ArticlePublished$/),
    ]);
    await timeline.filter({ hasText: 'ArticleDrafted' }).click();
    await page.locator('#state-heading', { hasText: 'State at position' }).waitFor();
    await page.locator('#state dd', { hasText: 'DRAFT' }).waitFor();
    expect(await page.locator('#state dd', { hasText: 'not bold' }).textContent()).toBe(
      '<b>not bold</b>',
    );
    expect(problems).toEqual([]);
  });
});
