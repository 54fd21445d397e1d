import { rmSync } from 'node:fs';
import { ConfigResourceTypes } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { changelogTopic, LocalStateStore } from '../src/index.js';
import { clickCounterSuite, clicksOf, REGIONS } from '../test/click-counter.js';
import { eventually, tailOf, type LogEntry } from '../test/kafka.js';

// These tests run with the default guarantee, which is at-least-once in the tutorial's step-2
// branch and exactly-once from step 4 on: each holds under both. What only holds exactly-once
// (transactions, fencing) is in exactly-once.int.spec.ts.
const suite = clickCounterSuite();
const stateDir = () => suite.stateDir();

describe('a stream app on a real broker', () => {
  it('creates compacted changelogs with their input partition count, a delete-policy repartition topic and a compacted output', async () => {
    const topology = await suite.clickCounter();
    await topology.start('solo', stateDir());
    const names = [
      changelogTopic(topology.app, 'dedupe'),
      changelogTopic(topology.app, 'count'),
      topology.byRegion,
      topology.counts,
    ];
    const { topics } = await suite.admin.fetchTopicMetadata({ topics: names });
    const partitions = Object.fromEntries(topics.map((t) => [t.name, t.partitions.length]));
    expect(partitions).toEqual({ [names[0]!]: 4, [names[1]!]: 3, [names[2]!]: 3, [names[3]!]: 3 });
    const { resources } = await suite.admin.describeConfigs({
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
    const topology = await suite.clickCounter();
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
    // With either guarantee the checkpoint ends at the changelog's end: at-least-once writes no
    // commit markers, exactly-once counts the one after each batch.
    expect(log.filter((e) => e.message === 'restoring state from changelog')).toEqual([]);
  });

  it('counts the same way at-least-once, writing outputs without transactions', async () => {
    const topology = await suite.clickCounter();
    const log: LogEntry[] = [];
    await topology.start('solo', stateDir(), log, 'at-least-once');
    await topology.produce([...clicksOf('a', 23, REGIONS), ['a-3', 'west']]);
    await topology.settled();
    expect(await topology.output()).toEqual({ north: 5, south: 5, east: 5, west: 4, centre: 4 });
    expect(log.find((e) => e.message === 'stream app started')?.details).toMatchObject({
      processingGuarantee: 'at-least-once',
    });
    // Without transactions there are no commit markers: the repartition topic's end offsets
    // add up to its records, one per distinct click.
    const ends = await suite.admin.fetchTopicOffsets(topology.byRegion);
    expect(ends.reduce((n, p) => n + Number(p.high), 0)).toBe(23);
  });

  it(
    'shares the partitions between two instances and moves them to the survivor when one leaves',
    { timeout: 90_000 },
    async () => {
      const topology = await suite.clickCounter();
      const logs = { one: [] as LogEntry[], two: [] as LogEntry[] };
      const one = await topology.start('one', stateDir(), logs.one);
      const two = await topology.start('two', stateDir(), logs.two);
      const recentLogs = () => `${tailOf('one', logs.one)}\n${tailOf('two', logs.two)}`;
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
        30_000,
        recentLogs,
      );
      const { groups } = await suite.admin.describeGroups([
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
        30_000,
        recentLogs,
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
    const topology = await suite.clickCounter();
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
