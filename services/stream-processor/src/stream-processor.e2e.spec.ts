import { existsSync, rmSync } from 'node:fs';
import kafkajs, { type Admin, type Kafka } from 'kafkajs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AFTER, BEFORE, EXPECTED_AFTER, EXPECTED_BEFORE } from '../test/articles.js';
import { connectTestKafka, logEntries, StatsApp } from '../test/support.js';

let brokers: string[];
let kafka: Kafka;
let admin: Admin;
const apps: StatsApp[] = [];

let unreachable: Error | undefined;
beforeAll(async () => {
  try {
    ({ brokers, kafka, admin } = await connectTestKafka());
  } catch (err) {
    unreachable = err instanceof Error ? err : new Error(String(err));
  }
});
// Without a broker every test fails (with the reason), rather than being reported as skipped.
beforeEach(() => {
  if (unreachable) throw unreachable;
});
afterEach(async () => {
  for (const app of apps.splice(0)) await app.cleanUp();
});
afterAll(async () => {
  await admin?.disconnect();
});

async function newApp(): Promise<StatsApp> {
  const app = await StatsApp.create(brokers, kafka, admin);
  apps.push(app);
  return app;
}

describe('the stream processor, one instance', () => {
  it('counts published articles per category and per author per hour into the compacted stats topic', async () => {
    const app = await newApp();
    expect(await app.append(BEFORE)).toBe(23);
    await app.start('solo', app.stateDir());
    await app.settled();
    expect(await app.statistics()).toEqual(EXPECTED_BEFORE);

    const { resources } = await admin.describeConfigs({
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
