import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { createArticlesCommands, type ArticlesCommands } from '@fairflax/publishing-api';
import {
  checkCoupling,
  READ_SERVICES,
  startSystem,
  waitForPosition,
  type RunningSystem,
} from '@fairflax/testkit';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const servicesDir = fileURLToPath(new URL('../../services', import.meta.url));
const xml = new XMLParser({ ignoreAttributes: false });
const asArray = <T>(v: T | T[] | undefined): T[] =>
  v === undefined ? [] : Array.isArray(v) ? v : [v];

async function graphql(system: RunningSystem, query: string) {
  const res = await fetch(system.url('graph', '/graphql'), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });
  return { status: res.status, body: (await res.json()) as { data?: any; errors?: any[] } };
}

type ReadService = (typeof READ_SERVICES)[number];
const reached = (
  system: RunningSystem,
  service: ReadService,
  position: number,
  timeoutMs?: number,
) => waitForPosition(system.url(service, ''), position, { timeoutMs });
const allReached = (system: RunningSystem, position: number) =>
  Promise.all(READ_SERVICES.map((service) => reached(system, service, position)));
const position = async (system: RunningSystem, service: ReadService) =>
  ((await (await fetch(system.url(service, '/healthz'))).json()) as { position: number }).position;

describe('the event-sourced services, as real processes', { timeout: 90_000 }, () => {
  let system: RunningSystem;
  let commands: ArticlesCommands;

  beforeAll(async () => {
    system = await startSystem(servicesDir);
    commands = createArticlesCommands(`127.0.0.1:${system.ports.articles}`);
  }, 90_000);
  afterAll(async () => {
    commands?.close();
    await system?.stop();
  });

  it("answers /healthz on articles' metrics port with the head position of its event store", async () => {
    const health = async () => {
      const res = await fetch(`http://127.0.0.1:${system.ports.articlesMetrics}/healthz`);
      expect(res.status).toBe(200);
      return (await res.json()) as { status: string; position: number };
    };
    const before = await health();
    expect(before.status).toBe('ok');
    const written = await commands.registerAuthor({ name: 'Healthz Probe' });
    expect(before.position).toBe(written.globalPosition - 1);
    expect(await health()).toEqual({ status: 'ok', position: written.globalPosition });
  });

  it("lists the sample newsroom's newest articles in the news sitemap right after a fresh start", async () => {
    const health = await fetch(`http://127.0.0.1:${system.ports.articlesMetrics}/healthz`);
    const { position: seeded } = (await health.json()) as { position: number };
    await reached(system, 'sitemap', seeded);
    const res = await fetch(system.url('sitemap', '/sitemap/news'));
    expect(res.status).toBe(200);
    const locs = asArray(xml.parse(await res.text()).urlset.url).map((u: any) => u.loc);
    expect(locs).toContain('https://news.fairflax.example/articles/seed-0022');
    expect(locs).not.toContain('https://news.fairflax.example/articles/seed-0001');
  });

  it('answers every command with its stream version and global position', async () => {
    const author = await commands.registerAuthor({ name: 'Nadia Rahman' });
    expect(author.streamId).toMatch(/^author-/);
    expect(author.streamVersion).toBe(1);
    expect(author.globalPosition).toBeGreaterThan(0);
    await expect(
      commands.draftArticle({ title: '', body: 'b', category: 'business', authorId: 'nobody' }),
    ).rejects.toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
    });
  });

  it('shows a published article in rss, sitemap and graph once they reach its position', async () => {
    const authorId = 'rye-writer';
    await commands.registerAuthor({ authorId, name: 'Rye Writer' });
    const articleId = 'rye-article';
    await commands.draftArticle({
      articleId,
      title: `Q&A: "Zürich" <café> 北京`,
      body: 'Body',
      category: 'environment',
      authorId,
    });
    const published = await commands.publishArticle({ articleId });
    await allReached(system, published.globalPosition);

    const feed = await fetch(system.url('rss', '/feed/environment'));
    expect(feed.status).toBe(200);
    const feedBody = await feed.text();
    expect(XMLValidator.validate(feedBody)).toBe(true);
    const item = asArray(xml.parse(feedBody).rss.channel.item).find(
      (i: any) => i.guid['#text'] === articleId,
    );
    expect(item.title).toBe(`Q&A: "Zürich" <café> 北京`);

    const sitemap = await (await fetch(system.url('sitemap', '/sitemap'))).text();
    expect(asArray(xml.parse(sitemap).urlset.url).map((u: any) => u.loc)).toContain(
      `https://news.fairflax.example/articles/${articleId}`,
    );

    const { body } = await graphql(
      system,
      `{ article(id: "${articleId}") { status author { name } } }`,
    );
    expect(body.data.article).toEqual({ status: 'PUBLISHED', author: { name: 'Rye Writer' } });
  });

  it('carries an author rename into all three read models without any service asking articles', async () => {
    const authorId = 'renamed-writer';
    await commands.registerAuthor({ authorId, name: 'Old Name' });
    await commands.draftArticle({
      articleId: 'renamed-1',
      title: 'One',
      body: 'B',
      category: 'politics',
      authorId,
    });
    const first = await commands.publishArticle({ articleId: 'renamed-1' });
    await reached(system, 'sitemap', first.globalPosition);
    const sitemapBefore = await (await fetch(system.url('sitemap', '/sitemap'))).text();
    const lastmodBefore = asArray(xml.parse(sitemapBefore).urlset.url).find((u: any) =>
      u.loc.endsWith('/renamed-1'),
    ).lastmod;

    await new Promise((r) => setTimeout(r, 20)); // so the rename's timestamp differs from the publish
    const renamed = await commands.renameAuthor({ authorId, name: 'New Name' });
    await allReached(system, renamed.globalPosition);

    const feed = xml.parse(await (await fetch(system.url('rss', '/feed/politics'))).text());
    const item = asArray(feed.rss.channel.item).find((i: any) => i.guid['#text'] === 'renamed-1');
    expect(item['dc:creator']).toBe('New Name');

    const { body } = await graphql(system, '{ article(id: "renamed-1") { author { name } } }');
    expect(body.data.article.author.name).toBe('New Name');

    const sitemapAfter = await (await fetch(system.url('sitemap', '/sitemap'))).text();
    const lastmodAfter = asArray(xml.parse(sitemapAfter).urlset.url).find((u: any) =>
      u.loc.endsWith('/renamed-1'),
    ).lastmod;
    expect(Date.parse(lastmodAfter)).toBeGreaterThan(Date.parse(lastmodBefore));
  });

  it('finds articles by full-text search, ranked', async () => {
    const { body } = await graphql(system, '{ search(text: "wind") { id title } }');
    expect(body.errors).toBeUndefined();
    expect(body.data.search[0].title).toMatch(/wind/i);
  });

  it('keeps serving while articles is down and catches up after it returns; a restarted reader resumes from its position', async () => {
    const before = await commands.registerAuthor({ name: 'Before Outage' });
    await reached(system, 'rss', before.globalPosition);

    await system.services.articles.stop();
    expect((await fetch(system.url('rss', '/feed'))).status).toBe(200);
    // Restarted while articles is away: it must answer from its own file, at its old position.
    await system.restart('rss');
    expect(await position(system, 'rss')).toBeGreaterThanOrEqual(before.globalPosition);
    expect((await fetch(system.url('rss', '/feed'))).status).toBe(200);

    await system.restart('articles');
    commands.close();
    commands = createArticlesCommands(`127.0.0.1:${system.ports.articles}`);
    await commands.registerAuthor({ authorId: 'after-outage', name: 'After Outage' });
    await commands.draftArticle({
      articleId: 'after-outage-1',
      title: 'Back online',
      body: 'B',
      category: 'business',
      authorId: 'after-outage',
    });
    const published = await commands.publishArticle({ articleId: 'after-outage-1' });
    for (const service of READ_SERVICES)
      await reached(system, service, published.globalPosition, 20_000);
    const feed = await (await fetch(system.url('rss', '/feed/business'))).text();
    expect(feed).toContain('Back online');
  });
});

describe('the step-0 problems, fixed', { timeout: 90_000 }, () => {
  it('serves every read without articles, makes no gRPC call per read, and searches', async () => {
    const system = await startSystem(servicesDir);
    try {
      const report = await checkCoupling(system);
      expect(report.grpcCallsPerRead).toEqual({
        'GET rss /feed': 0,
        'GET rss /feed/business': 0,
        'GET sitemap /sitemap': 0,
        'POST graph articles(count: 20)': 0,
      });
      expect(report.statusWithArticlesDown).toEqual({
        'GET rss /feed': 200,
        'GET rss /feed/business': 200,
        'GET sitemap /sitemap': 200,
        'POST graph articles(count: 20)': 200,
      });
      expect(report.search.supported).toBe(true);
    } finally {
      await system.stop();
    }
  });
});
