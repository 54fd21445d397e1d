import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigResourceTypes, Partitioners, type Admin, type Kafka, type Producer } from 'kafkajs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  changelogTopic,
  groupLag,
  LocalStateStore,
  readTopic,
  repartitionTopic,
  startStreamApp,
  type StreamApp,
} from '../src/index.js';
import {
  connectTestKafka,
  createTopic,
  deleteTestTopics,
  eventually,
  recordingLogger,
  unique,
  type LogEntry,
} from '../test/kafka.js';

let brokers: string[];
let kafka: Kafka;
let admin: Admin;
let producer: Producer;
const running: StreamApp[] = [];
const dirs: string[] = [];
const prefixes: string[] = [];

let unreachable: Error | undefined;
beforeAll(async () => {
  try {
    ({ brokers, kafka, admin } = await connectTestKafka());
    producer = kafka.producer({
      createPartitioner: Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: false,
    });
    await producer.connect();
  } catch (err) {
    unreachable = err instanceof Error ? err : new Error(String(err));
  }
});
// Without a broker every test fails (with the reason), rather than being reported as skipped.
beforeEach(() => {
  if (unreachable) throw unreachable;
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((app) => app.close()));
});
afterAll(async () => {
  for (const prefix of prefixes) await deleteTestTopics(admin, prefix);
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  await producer?.disconnect();
  await admin?.disconnect();
});

/**
 * The test topology: clicks keyed by click id (value: a region). Task 1 drops repeated click ids
 * (state keyed like its input) and re-keys each click by region through a repartition topic;
 * task 2 counts clicks per region into a compacted output topic.
 */
async function clickCounter() {
  const app = unique('ks-test');
  prefixes.push(app);
  const clicks = `${app}-clicks`;
  const byRegion = repartitionTopic(app, 'by-region');
  const counts = `${app}-region-counts`;
  await createTopic(admin, clicks, 4);
  const start = async (instanceId: string, stateDir: string, log: LogEntry[] = []) => {
    const instance = await startStreamApp({
      applicationId: app,
      instanceId,
      brokers,
      stateDir,
      sessionTimeoutMs: 6_000,
      heartbeatIntervalMs: 500,
      logger: recordingLogger(log),
      topics: [
        { name: byRegion, cleanupPolicy: 'delete' },
        { name: counts, cleanupPolicy: 'compact' },
      ],
      tasks: [
        {
          name: 'dedupe',
          input: clicks,
          outputs: [byRegion],
          process: (click, { state, send }) => {
            if (!click.key || !click.value || state.get(click.key) !== undefined) return;
            state.put(click.key, click.value.toString());
            send(byRegion, { key: click.value.toString(), value: click.key });
          },
        },
        {
          name: 'count',
          input: byRegion,
          outputs: [counts],
          process: (click, { state, send }) => {
            if (!click.key) return;
            const n = Number(state.get(click.key) ?? 0) + 1;
            state.put(click.key, String(n));
            send(counts, { key: click.key, value: String(n) });
          },
        },
      ],
    });
    running.push(instance);
    return instance;
  };
  const produce = async (entries: ReadonlyArray<[clickId: string, region: string]>) => {
    await producer.send({
      topic: clicks,
      acks: -1,
      messages: entries.map(([key, value]) => ({ key, value })),
    });
  };
  /** Both groups have committed everything written so far, so the output is final. */
  const settled = () =>
    eventually('both tasks to catch up', async () => {
      if ((await groupLag(admin, `${app}-dedupe`, clicks)) !== 0) return false;
      return (await groupLag(admin, `${app}-count`, byRegion)) === 0;
    });
  const output = async () => {
    const last: Record<string, number> = {};
    for (const record of await readTopic(kafka, counts))
      if (record.key) last[record.key] = Number(record.value);
    return last;
  };
  return { app, clicks, byRegion, counts, start, produce, settled, output };
}

const stateDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'kafka-streams-'));
  dirs.push(dir);
  return dir;
};

/** n clicks with ids `<tag>-<i>`, spread round-robin over the regions. */
const clicksOf = (tag: string, n: number, regions: readonly string[]) =>
  Array.from({ length: n }, (_, i): [string, string] => [
    `${tag}-${i}`,
    regions[i % regions.length] ?? '',
  ]);

const REGIONS = ['north', 'south', 'east', 'west', 'centre'];

describe('a stream app on a real broker', () => {
  it('creates compacted changelogs with their input partition count, a delete-policy repartition topic and a compacted output', async () => {
    const topology = await clickCounter();
    await topology.start('solo', stateDir());
    const names = [
      changelogTopic(topology.app, 'dedupe'),
      changelogTopic(topology.app, 'count'),
      topology.byRegion,
      topology.counts,
    ];
    const { topics } = await admin.fetchTopicMetadata({ topics: names });
    const partitions = Object.fromEntries(topics.map((t) => [t.name, t.partitions.length]));
    expect(partitions).toEqual({ [names[0]!]: 4, [names[1]!]: 3, [names[2]!]: 3, [names[3]!]: 3 });
    const { resources } = await admin.describeConfigs({
      includeSynonyms: false,
      resources: names.map((name) => ({
        type: ConfigResourceTypes.TOPIC,
        name,
        configNames: ['cleanup.policy'],
      })),
    });
    const policies = Object.fromEntries(
      resources.map((r) => [r.resourceName, r.configEntries[0]?.configValue]),
    );
    expect(policies).toEqual({
      [names[0]!]: 'compact',
      [names[1]!]: 'compact',
      [names[2]!]: 'delete',
      [names[3]!]: 'compact',
    });
  });

  it('counts every click once, ignores a repeated click id, and resumes from its checkpoint without restoring', async () => {
    const topology = await clickCounter();
    const dir = stateDir();
    const first = await topology.start('solo', dir);
    await topology.produce([...clicksOf('a', 23, REGIONS), ['a-3', 'west']]);
    await topology.settled();
    expect(await topology.output()).toEqual({ north: 5, south: 5, east: 5, west: 4, centre: 4 });

    await first.close();
    const log: LogEntry[] = [];
    await topology.start('solo', dir, log);
    await topology.produce(clicksOf('b', 5, REGIONS));
    await topology.settled();
    expect(await topology.output()).toEqual({ north: 6, south: 6, east: 6, west: 5, centre: 5 });
    expect(log.filter((e) => e.message === 'restoring state from changelog')).toEqual([]);
  });

  it(
    'shares the partitions between two instances and moves them to the survivor when one leaves',
    { timeout: 90_000 },
    async () => {
      const topology = await clickCounter();
      const one = await topology.start('one', stateDir());
      const two = await topology.start('two', stateDir());
      // Each instance learns its share at its next heartbeat: until both have, views can overlap.
      const split = (task: string, partitions: number[]) => {
        const shares = [one.assignment()[task] ?? [], two.assignment()[task] ?? []];
        const union = shares.flat().sort((x, y) => x - y);
        return (
          shares.every((share) => share.length > 0) &&
          JSON.stringify(union) === JSON.stringify(partitions)
        );
      };
      await eventually(
        'each instance to hold a share of both tasks',
        () => split('dedupe', [0, 1, 2, 3]) && split('count', [0, 1, 2]),
      );
      const { groups } = await admin.describeGroups([
        `${topology.app}-dedupe`,
        `${topology.app}-count`,
      ]);
      expect(groups.map((g) => [g.state, g.members.map((m) => m.clientId).sort()])).toEqual([
        ['Stable', [`${topology.app}-one`, `${topology.app}-two`]],
        ['Stable', [`${topology.app}-one`, `${topology.app}-two`]],
      ]);

      await topology.produce(clicksOf('a', 40, REGIONS));
      await topology.settled();
      expect(await topology.output()).toEqual({ north: 8, south: 8, east: 8, west: 8, centre: 8 });

      await two.close();
      await eventually(
        'the survivor to hold every partition',
        () => one.assignment()['dedupe']?.length === 4 && one.assignment()['count']?.length === 3,
      );
      expect(one.assignment()).toEqual({ dedupe: [0, 1, 2, 3], count: [0, 1, 2] });
      // Repeats of clicks the other instance saw must still be dropped: the survivor restored its state.
      await topology.produce([...clicksOf('b', 10, REGIONS), ...clicksOf('a', 40, REGIONS)]);
      await topology.settled();
      expect(await topology.output()).toEqual({
        north: 10,
        south: 10,
        east: 10,
        west: 10,
        centre: 10,
      });
    },
  );

  it('rebuilds a deleted state directory from the changelogs and keeps counting from there', async () => {
    const topology = await clickCounter();
    const dir = stateDir();
    const first = await topology.start('solo', dir);
    await topology.produce(clicksOf('a', 12, REGIONS));
    await topology.settled();
    expect(await topology.output()).toEqual({ north: 3, south: 3, east: 2, west: 2, centre: 2 });
    await first.close();
    rmSync(dir, { recursive: true, force: true });

    const log: LogEntry[] = [];
    const second = await topology.start('solo', dir, log);
    await topology.produce([...clicksOf('a', 12, REGIONS), ...clicksOf('b', 3, REGIONS)]);
    await topology.settled();
    expect(await topology.output()).toEqual({ north: 4, south: 4, east: 3, west: 2, centre: 2 });
    const restored = log
      .filter((e) => e.message === 'state restored')
      .map((e) => e.details['task']);
    expect(restored.sort()).toEqual(['count', 'dedupe']);

    await second.close();
    const store = LocalStateStore.open(dir);
    try {
      const keys = (task: string, partitions: number) =>
        Array.from({ length: partitions }, (_, p) => store.size(task, p)).reduce(
          (x, y) => x + y,
          0,
        );
      expect({ dedupe: keys('dedupe', 4), count: keys('count', 3) }).toEqual({
        dedupe: 15,
        count: 5,
      });
    } finally {
      store.close();
    }
  });
});
