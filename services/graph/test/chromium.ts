import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';

/** Debian's chromium; playwright's own browser downloads are never used. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

export interface Browser {
  page: Page;
  close(): Promise<void>;
}

/**
 * One headless page on a fresh profile, with chromium's own traffic (updates, sync, QUIC
 * probes) turned off. A missing browser fails the caller: a browser test never skips.
 */
export async function openBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `no chromium at ${CHROMIUM_PATH}: install Debian's (apt-get install -y --no-install-recommends chromium), as .ci/run does`,
    );
  }
  const profile = mkdtempSync(join(tmpdir(), 'fairflax-chromium-'));
  const asRoot = process.getuid?.() === 0;
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    chromiumSandbox: !asRoot,
    args: [
      '--headless',
      ...(asRoot ? ['--no-sandbox'] : []),
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  context.setDefaultTimeout(15_000);
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    page,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
