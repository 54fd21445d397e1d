import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createArticlesCommands,
  type ArticlesCommands,
  type CommandResult,
} from '@fairflax/publishing-api';
import {
  freePort,
  startService,
  startSystem,
  waitFor,
  waitForPosition,
  type RunningService,
  type RunningSystem,
} from '@fairflax/testkit';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureKafka } from '@fairflax/kafka-broker';

const servicesDir = fileURLToPath(new URL('../../services', import.meta.url));
const xml = new XMLParser({ ignoreAttributes: false });
const asArray = <T>(v: T | T[] | undefined): T[] =>
  v === undefined ? [] : Array.isArray(v) ? v : [v];

const health = async (port: number) =>
  (await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as {
    position: number;
    feed: { transport: string };
  };

describe('the services over Kafka', { timeout: 180_000 }, () => {
  let system: RunningSystem;
  let commands: ArticlesCommands;
  let replica: RunningService;
  let replicaPort: number;
  const replicaDir = mkdtempSync(join(tmpdir(), 'fairflax-rss-replica-'));
  let env: Record<string, string> = {};

  beforeAll(async () => {
    const { brokers } = await ensureKafka();
    // Topics of their own, so runs never see each other's events.
    env = {
      TRANSPORT: 'kafka',
      KAFKA_BROKERS: brokers.join(','),
      KAFKA_TOPIC_PREFIX: `e2e-${randomUUID().slice(0, 8)}-`,
    };
    system = await startSystem(servicesDir, env);
    commands = createArticlesCommands(`127.0.0.1:${system.ports.articles}`);
    replicaPort = await freePort();
    replica = await startService({
      name: 'rss-replica',
      dir: join(servicesDir, 'rss'),
      env: {
        ...env,
        RSS_PORT: String(replicaPort),
        DATA_DIR: replicaDir,
        ARTICLES_ADDRESS: '127.0.0.1:1',
      },
      readyPort: replicaPort,
    });
  }, 180_000);

  afterAll(async () => {
    commands?.close();
    await replica?.stop();
    await system?.stop();
    rmSync(replicaDir, { recursive: true, force: true });
  });

  it('gives every replica of a read service the complete, identical read model', async () => {
    await commands.registerAuthor({ authorId: 'kafka-writer', name: 'Kafka Writer' });
    let last: CommandResult | undefined;
    const categories = ['business', 'politics', 'lifestyle', 'environment'];
    for (let i = 0; i < 24; i++) {
      const articleId = `kafka-${i}`;
      await commands.draftArticle({
        articleId,
        title: `Over Kafka ${i}`,
        body: 'B',
        category: categories[i % 4]!,
        authorId: 'kafka-writer',
      });
      last = await commands.publishArticle({ articleId });
    }
    const target = last!.globalPosition;
    for (const port of [system.ports.rss, replicaPort])
      await waitForPosition(`http://127.0.0.1:${port}`, target, { timeoutMs: 60_000 });
    expect((await health(system.ports.rss)).feed.transport).toBe('kafka');
    expect((await health(replicaPort)).feed.transport).toBe('kafka');

    for (const path of ['/feed', '/feed/business', '/feed/politics']) {
      const [a, b] = await Promise.all(
        [system.ports.rss, replicaPort].map(async (port) =>
          (await fetch(`http://127.0.0.1:${port}${path}`)).text(),
        ),
      );
      expect(b).toBe(a);
    }
    // Complete: the seed's 21 published articles plus these 24, of which the newest 20 show.
    const items = asArray(
      xml.parse(await (await fetch(`http://127.0.0.1:${replicaPort}/feed`)).text()).rss.channel
        .item,
    );
    expect(items.map((i: any) => i.title)).toEqual(
      Array.from({ length: 20 }, (_, k) => `Over Kafka ${23 - k}`),
    );
    const business = asArray(
      xml.parse(await (await fetch(`http://127.0.0.1:${replicaPort}/feed/business`)).text()).rss
        .channel.item,
    );
    expect(business.filter((i: any) => String(i.title).startsWith('Over Kafka'))).toHaveLength(6);
  });

  it('counts publications per category with the stream processor and shows them in graph', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'fairflax-stream-processor-'));
    const processor = await startService({
      name: 'stream-processor',
      dir: join(servicesDir, 'stream-processor'),
      env: {
        ...env,
        STATE_DIR: stateDir,
        INSTANCE_ID: 'e2e',
        STREAM_PROCESSOR_METRICS_PORT: String(await freePort()),
      },
    });
    try {
      const query = JSON.stringify({
        query: '{ categoryStats(since: "2026-01-01T00:00:00Z") { key hour published } }',
      });
      // Sum over hours: the seed's hours and these articles' hour (or two, at an hour boundary).
      const totals = async () => {
        const res = await fetch(system.url('graph', '/graphql'), {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: query,
        });
        const rows = ((await res.json()) as any).data.categoryStats as {
          key: string;
          published: number;
        }[];
        const sum: Record<string, number> = {};
        for (const row of [...rows].sort((a, b) => a.key.localeCompare(b.key)))
          sum[row.key] = (sum[row.key] ?? 0) + row.published;
        return sum;
      };
      // The seed publishes 23 (6 business, 7 politics of which one is later retracted: a
      // publication still counts, 5 lifestyle, 5 environment); the first test added 6 each.
      const expected = { business: 6 + 6, environment: 5 + 6, lifestyle: 5 + 6, politics: 7 + 6 };
      await waitFor(
        'graph to show the stream processor counts',
        async () => JSON.stringify(await totals()) === JSON.stringify(expected) || undefined,
        60_000,
      ).catch(async (err: Error) => {
        throw new Error(
          `${err.message}; last totals ${JSON.stringify(await totals())}\n${processor.logs.slice(-3000)}`,
        );
      });
      expect(await totals()).toEqual(expected);
    } finally {
      await processor.stop();
      rmSync(stateDir, { recursive: true, force: true });
    }
  });

  it('carries an author rename to graph and rss over Kafka too', async () => {
    const renamed = await commands.renameAuthor({
      authorId: 'kafka-writer',
      name: 'Kafka Writer-Renamed',
    });
    for (const service of ['graph', 'rss'] as const)
      await waitForPosition(system.url(service, ''), renamed.globalPosition, { timeoutMs: 30_000 });
    const res = await fetch(system.url('graph', '/graphql'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ article(id: "kafka-3") { author { name } } }' }),
    });
    expect(((await res.json()) as any).data.article.author.name).toBe('Kafka Writer-Renamed');
    const feed = await (await fetch(system.url('rss', '/feed'))).text();
    expect(feed).toContain('<dc:creator>Kafka Writer-Renamed</dc:creator>');
  });
});
