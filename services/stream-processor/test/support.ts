import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureKafka } from '@fairflax/kafka-broker';
import { createTopics } from '@fairflax/kafka-kit';
import { groupLag, readTopic } from '@fairflax/kafka-streams';
import { freePort, startService, type RunningService } from '@fairflax/testkit';
import {
  AssignerProtocol,
  Kafka,
  logLevel,
  Partitioners,
  type Admin,
  type Producer,
} from 'kafkajs';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { articleLog, type Step } from './articles.js';

const serviceDir = fileURLToPath(new URL('..', import.meta.url));

/**
 * The hooks every e2e file of the stream processor needs: the broker connected once, every app
 * a test made cleaned up after it, the admin client closed at the end. Without a broker every
 * test fails (with the reason), rather than being reported as skipped.
 */
export function statsAppSuite(): { newApp: () => Promise<StatsApp>; admin: () => Admin } {
  let connection: Awaited<ReturnType<typeof connectTestKafka>> | undefined;
  let unreachable: Error | undefined;
  const apps: StatsApp[] = [];
  beforeAll(async () => {
    try {
      connection = await connectTestKafka();
    } catch (err) {
      unreachable = err instanceof Error ? err : new Error(String(err));
    }
  });
  beforeEach(() => {
    if (unreachable) throw unreachable;
  });
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.cleanUp();
  });
  afterAll(async () => {
    await connection?.admin.disconnect();
  });
  const connected = () => {
    if (!connection) throw unreachable ?? new Error('Kafka is not connected yet');
    return connection;
  };
  return {
    newApp: async () => {
      const { brokers, kafka, admin } = connected();
      const app = await StatsApp.create(brokers, kafka, admin);
      apps.push(app);
      return app;
    },
    admin: () => connected().admin,
  };
}

/**
 * The real broker: infra/kafka's ensureKafka() starts it unless one already answers (or
 * KAFKA_BROKERS names a cluster). An unreachable broker fails the suite; it is never skipped.
 */
export async function connectTestKafka(): Promise<{
  brokers: string[];
  kafka: Kafka;
  admin: Admin;
}> {
  const { brokers } = await ensureKafka();
  const kafka = new Kafka({
    clientId: 'stream-processor-e2e',
    brokers,
    logLevel: logLevel.NOTHING,
    retry: { retries: 3 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
  } catch (err) {
    throw new Error(
      `Kafka is not reachable on ${brokers.join(',')}: start it with "bash infra/kafka/kafka.sh start" (${String(err)})`,
    );
  }
  return { brokers, kafka, admin };
}

export async function eventually(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}${last instanceof Error ? ` (last error: ${last.message})` : ''}`,
  );
}

/** One test's stream application: unique topics and groups, its instances, and what they wrote. */
export class StatsApp {
  readonly app = `sp-e2e-${randomUUID().slice(0, 8)}`;
  readonly articles = `${this.app}-article`;
  readonly stats = `${this.app}-article-stats`;
  readonly repartition = `${this.app}-publications-repartition`;
  readonly groups = [`${this.app}-article-facts`, `${this.app}-publication-counts`] as const;
  /** Writes article events to this app's input topic (see articleLog); returns how many. */
  readonly append: (articles: Record<string, Step[]>) => Promise<number>;
  private readonly instances: RunningService[] = [];
  private readonly dirs: string[] = [];
  // One producer per app: a producer keeps refreshing metadata of every topic it wrote to, and
  // fails once another test's topics are deleted.
  private readonly producer: Producer;

  private constructor(
    readonly brokers: string[],
    private readonly kafka: Kafka,
    private readonly admin: Admin,
  ) {
    this.producer = kafka.producer({
      createPartitioner: Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: false,
    });
    this.append = articleLog(this.producer, this.articles);
  }

  /** A new app with its input topic (3 partitions, as the articles relay creates it). */
  static async create(
    brokers: string[],
    kafka: Kafka,
    admin: Admin,
    partitions = 3,
  ): Promise<StatsApp> {
    const app = new StatsApp(brokers, kafka, admin);
    await createTopics(admin, [{ name: app.articles, partitions }], 30_000);
    await app.producer.connect();
    return app;
  }

  stateDir(): string {
    const dir = mkdtempSync(join(tmpdir(), 'stream-processor-'));
    this.dirs.push(dir);
    return dir;
  }

  /**
   * Starts `src/main.ts` as a real process and waits until it holds partitions of both tasks;
   * `env` adds to or overrides the test's settings (KAFKA_DELIVERY, say).
   */
  async start(
    instanceId: string,
    stateDir: string,
    env: Record<string, string> = {},
  ): Promise<RunningService> {
    const service = await startService({
      name: instanceId,
      dir: serviceDir,
      entry: 'src/main.ts',
      env: {
        KAFKA_BROKERS: this.brokers.join(','),
        APPLICATION_ID: this.app,
        INSTANCE_ID: instanceId,
        STATE_DIR: stateDir,
        ARTICLE_TOPIC: this.articles,
        STATS_TOPIC: this.stats,
        KAFKA_SESSION_TIMEOUT_MS: '6000',
        KAFKA_HEARTBEAT_INTERVAL_MS: '500',
        LOG_LEVEL: 'info',
        // Each instance its own: several run side by side.
        STREAM_PROCESSOR_METRICS_PORT: String(await freePort()),
        ...env,
      },
    });
    this.instances.push(service);
    await eventually(
      `${instanceId} to be assigned partitions`,
      () => {
        if (!service.running) throw new Error(`${instanceId} exited:\n${service.logs}`);
        const latest = latestAssignment(service);
        return (
          (latest['article-facts']?.length ?? 0) > 0 &&
          (latest['publication-counts']?.length ?? 0) > 0
        );
      },
      30_000,
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n--- ${instanceId} output ---\n${service.logs}`);
    });
    return service;
  }

  /** Both groups have committed everything written so far: the stats topic is final. */
  async settled(timeoutMs = 60_000): Promise<void> {
    await eventually(
      'both tasks to process and commit every record',
      async () => {
        if ((await groupLag(this.admin, this.groups[0], this.articles)) !== 0) return false;
        return (await groupLag(this.admin, this.groups[1], this.repartition)) === 0;
      },
      timeoutMs,
    );
  }

  /** The stats topic read to its end, last value per key: `published` per statistic key. */
  async statistics(): Promise<Record<string, number>> {
    const last: Record<string, number> = {};
    for (const record of await readTopic(this.kafka, this.stats)) {
      if (!record.key || !record.value) continue;
      const stat = JSON.parse(record.value) as {
        kind: string;
        key: string;
        hour: string;
        published: number;
      };
      if (`${stat.kind}:${stat.key}:${stat.hour}` !== record.key)
        throw new Error(`value ${record.value} does not match key ${record.key}`);
      last[record.key] = stat.published;
    }
    return last;
  }

  /** What the broker says each member of a task's group holds, by client id (`<app>-<instance>`). */
  async groupAssignment(
    group: string,
  ): Promise<{ state: string; members: Record<string, number[]> }> {
    const { groups } = await this.admin.describeGroups([group]);
    const description = groups[0];
    const members: Record<string, number[]> = {};
    for (const member of description?.members ?? []) {
      const decoded = AssignerProtocol.MemberAssignment.decode(member.memberAssignment);
      const partitions = Object.values(decoded?.assignment ?? {}).flat();
      members[member.clientId.slice(this.app.length + 1)] = partitions.sort((a, b) => a - b);
    }
    return { state: description?.state ?? 'Unknown', members };
  }

  async cleanUp(): Promise<void> {
    await Promise.all(this.instances.map((service) => service.stop()));
    await this.producer.disconnect();
    const topics = (await this.admin.listTopics()).filter((topic) => topic.startsWith(this.app));
    await this.admin.deleteTopics({ topics }).catch(() => undefined);
    const { groups } = await this.admin.listGroups();
    const ids = groups.map((g) => g.groupId).filter((id) => id.startsWith(this.app));
    await this.admin.deleteGroups(ids).catch(() => undefined);
    for (const dir of this.dirs) rmSync(dir, { recursive: true, force: true });
  }
}

/** An instance's JSON log lines with this message (a line split across output chunks is skipped). */
export function logEntries(service: RunningService, msg: string): Array<Record<string, unknown>> {
  const entries: Array<Record<string, unknown>> = [];
  for (const line of service.logs.split('\n')) {
    try {
      const entry = JSON.parse(line) as Record<string, unknown>;
      if (entry['msg'] === msg) entries.push(entry);
    } catch {
      // not a whole JSON line
    }
  }
  return entries;
}

/** The partitions an instance last logged per task ("partitions assigned", after each rebalance). */
export function latestAssignment(service: RunningService): Record<string, number[]> {
  const latest: Record<string, number[]> = {};
  for (const entry of logEntries(service, 'partitions assigned')) {
    if (typeof entry['task'] === 'string')
      latest[entry['task']] = (entry['partitions'] as number[] | undefined) ?? [];
  }
  return latest;
}
