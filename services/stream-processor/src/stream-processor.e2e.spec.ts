import { existsSync, rmSync } from 'node:fs';
import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { AFTER, BEFORE, EXPECTED_AFTER, EXPECTED_BEFORE } from '../test/articles.js';
import { logEntries, statsAppSuite } from '../test/support.js';

const { newApp, admin } = statsAppSuite();

describe('the stream processor, one instance', () => {
  it('counts published articles per category and per author per hour into the compacted stats topic', async () => {
    const app = await newApp();
    expect(await app.append(BEFORE)).toBe(23);
    await app.start('solo', app.stateDir());
    await app.settled();
    expect(await app.statistics()).toEqual(EXPECTED_BEFORE);

    const { resources } = await admin().describeConfigs({
      includeSynonyms: false,
      resources: [app.stats, app.repartition].map((name) => ({
        type: kafkajs.ConfigResourceTypes.TOPIC,
        name,
        configNames: ['cleanup.policy'],
      })),
    });
    expect(resources.map((r) => [r.resourceName, r.configEntries[0]?.configValue])).toEqual([
      [app.stats, 'compact'],
      [app.repartition, 'delete'],
    ]);
  });

  it('rebuilds a deleted state directory from the changelogs and continues the counts', async () => {
    const app = await newApp();
    const dir = app.stateDir();
    const first = await app.start('solo', dir);
    await app.append(BEFORE);
    await app.settled();
    expect(await app.statistics()).toEqual(EXPECTED_BEFORE);
    expect(await first.stop()).toBe(0);

    rmSync(dir, { recursive: true, force: true });
    expect(existsSync(dir)).toBe(false);
    const second = await app.start('solo', dir);
    // Article 7 was drafted before the state was lost: its publication counts only if the
    // draft was restored, and the counts go on from the restored values, not from zero.
    expect(await app.append(AFTER)).toBe(13);
    await app.settled();
    expect(await app.statistics()).toEqual(EXPECTED_AFTER);
    const restored = logEntries(second, 'state restored').map((entry) => entry['task']);
    expect(restored.sort()).toEqual(['article-facts', 'publication-counts']);
    expect(existsSync(dir)).toBe(true);
  });
});
