import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Partitioners, type Admin, type Kafka, type Producer } from 'kafkajs';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import {
  groupLag,
  readTopic,
  repartitionTopic,
  startStreamApp,
  type ProcessingGuarantee,
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
} from './kafka.js';

/** n clicks with ids `<tag>-<i>`, spread round-robin over the regions. */
export const clicksOf = (tag: string, n: number, regions: readonly string[]) =>
  Array.from({ length: n }, (_, i): [string, string] => [
    `${tag}-${i}`,
    regions[i % regions.length] ?? '',
  ]);

export const REGIONS = ['north', 'south', 'east', 'west', 'centre'];

export interface ClickCounter {
  app: string;
  clicks: string;
  byRegion: string;
  counts: string;
  /** Starts an instance; `processingGuarantee` left out takes the stream app's default. */
  start(
    instanceId: string,
    stateDir: string,
    log?: LogEntry[],
    processingGuarantee?: ProcessingGuarantee,
  ): Promise<StreamApp>;
  produce(entries: ReadonlyArray<[clickId: string, region: string]>): Promise<void>;
  /** Both groups have committed everything written so far, so the output is final. */
  settled(): Promise<void>;
  /** The last count per region on the output topic. */
  output(): Promise<Record<string, number>>;
}

export interface ClickCounterSuite {
  readonly kafka: Kafka;
  readonly admin: Admin;
  /** A new click counter topology, with topics and groups of its own. */
  clickCounter(): Promise<ClickCounter>;
  /** A new, empty state directory, removed after the suite. */
  stateDir(): string;
}

/**
 * Registers the hooks of a suite of stream apps on the real broker (in the enclosing
 * `describe`, or the file): connect before, close every started instance after each test,
 * delete topics, groups and state directories after all. Without a broker every test fails
 * (with the reason), rather than being reported as skipped.
 */
export function clickCounterSuite(): ClickCounterSuite {
  let brokers: string[] = [];
  let kafka: Kafka | undefined;
  let admin: Admin | undefined;
  let producer: Producer | undefined;
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
  beforeEach(() => {
    if (unreachable) throw unreachable;
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((app) => app.close()));
  });
  afterAll(async () => {
    if (admin) for (const prefix of prefixes) await deleteTestTopics(admin, prefix);
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    await producer?.disconnect();
    await admin?.disconnect();
  });

  const connected = () => {
    if (!kafka || !admin || !producer) throw unreachable ?? new Error('not connected yet');
    return { kafka, admin, producer };
  };

  /**
   * The test topology: clicks keyed by click id (value: a region). Task 1 drops repeated click
   * ids (state keyed like its input) and re-keys each click by region through a repartition
   * topic; task 2 counts clicks per region into a compacted output topic.
   */
  async function clickCounter(): Promise<ClickCounter> {
    const { kafka, admin, producer } = connected();
    const app = unique('ks-test');
    prefixes.push(app);
    const clicks = `${app}-clicks`;
    const byRegion = repartitionTopic(app, 'by-region');
    const counts = `${app}-region-counts`;
    await createTopic(admin, clicks, 4);
    const start: ClickCounter['start'] = async (
      instanceId,
      stateDir,
      log = [],
      processingGuarantee,
    ) => {
      const instance = await startStreamApp({
        applicationId: app,
        instanceId,
        brokers,
        stateDir,
        processingGuarantee,
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
    const produce: ClickCounter['produce'] = async (entries) => {
      await producer.send({
        topic: clicks,
        acks: -1,
        messages: entries.map(([key, value]) => ({ key, value })),
      });
    };
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

  return {
    get kafka() {
      return connected().kafka;
    },
    get admin() {
      return connected().admin;
    },
    clickCounter,
    stateDir() {
      const dir = mkdtempSync(join(tmpdir(), 'kafka-streams-'));
      dirs.push(dir);
      return dir;
    },
  };
}
