/**
 * README's picture of the event explorer: `tsx services/graph/test/explorer-screenshot.ts
 * docs/explorer.png` starts the system on free ports (articles seeds its sample newsroom), opens
 * the page in the browser test's chromium, opens an article at its first event and saves a PNG.
 */
import { fileURLToPath } from 'node:url';
import { startSystem } from '@fairflax/testkit';
import { openBrowser } from './chromium.js';

const out = process.argv[2] ?? 'explorer.png';
const system = await startSystem(fileURLToPath(new URL('../../', import.meta.url)));
const browser = await openBrowser();
try {
  const { page } = browser;
  await page.setViewportSize({ width: 1200, height: 720 });
  await page.goto(system.url('graph', '/explorer'));
  await page
    .locator('#positions-body tr[data-service="sitemap"] td', { hasText: /^\d+$/ })
    .first()
    .waitFor();
  const link = page.locator('#tail-body a').first();
  await link.waitFor();
  await link.click();
  const first = page.locator('#timeline a').first();
  await first.waitFor();
  await first.click();
  await page.locator('#state-heading', { hasText: 'State at position' }).waitFor();
  await page.screenshot({ path: out, fullPage: false });
  console.log(`saved ${out}`);
} finally {
  await browser.close();
  await system.stop();
}
