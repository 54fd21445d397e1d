import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { envReader, type Logger } from '@fairflax/service-kit';
import { TRANSPORT_NAMES, TRANSPORTS } from '@fairflax/transports';
import { describe, expect, it } from 'vitest';
import { openReadSide } from './read-side.js';

const options = { service: 'rss', articlesAddress: '127.0.0.1:1', env: envReader({}) };
const quiet = { info: () => {}, warn: () => {}, error: () => {} } as unknown as Logger;

describe('the transports of this build', () => {
  it('always has embedded, which follows the articles feed without connecting at once', async () => {
    expect(TRANSPORT_NAMES).toContain('embedded');
    const source = await TRANSPORTS['embedded']!.openEventSource(options);
    expect(source.status()).toMatchObject({ connected: false, reconnects: 0 });
    await source.close();
  });

  it('lists only transports that can open an event source', () => {
    for (const name of TRANSPORT_NAMES)
      expect(typeof TRANSPORTS[name]?.openEventSource, name).toBe('function');
  });

  it('refuses a TRANSPORT it does not have, naming the ones it has', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'read-side-'));
    const side = openReadSide({
      service: 'rss',
      projection: { name: 'nothing', migrate: () => {}, apply: () => {} },
      logger: quiet,
      env: envReader({ TRANSPORT: 'carrier-pigeon', DATA_DIR: dataDir }),
    });
    try {
      await expect(side.follow()).rejects.toThrow(/TRANSPORT.*carrier-pigeon/);
    } finally {
      side.db.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
