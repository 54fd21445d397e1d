import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { createArticlesClient, type ArticlesClient } from '@fairflax/coupled-publishing-api';
import { checkCoupling, startSystem, type RunningSystem } from '@fairflax/testkit';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const servicesDir = fileURLToPath(new URL('../../services', import.meta.url));
const xml = new XMLParser({ ignoreAttributes: false });
const asArray = <T>(v: T | T[] | undefined): T[] =>
  v === undefined ? [] : Array.isArray(v) ? v : [v];

async function graphql(system: RunningSystem, query: string, variables?: object) {
  const res = await fetch(system.url('graph', '/graphql'), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, body: (await res.json()) as { data?: any; errors?: any[] } };
}

describe('the coupled services, as real processes', { timeout: 60_000 }, () => {
  let system: RunningSystem;
  let client: ArticlesClient;

  beforeAll(async () => {
    system = await startSystem(servicesDir);
    client = createArticlesClient(`127.0.0.1:${system.ports.articles}`);
  }, 60_000);
  afterAll(async () => {
    client?.close();
    await system?.stop();
  });

  it('serves the latest 20 published articles as valid RSS 2.0', async () => {
    const res = await fetch(system.url('rss', '/feed'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/rss\+xml/);
    const body = await res.text();
    expect(XMLValidator.validate(body)).toBe(true);
    const items = asArray(xml.parse(body).rss.channel.item);
    expect(items).toHaveLength(20);
    expect(
      items.every((i: any) => typeof i.title === 'string' && i.link.startsWith('https://')),
    ).toBe(true);
  });

  it('filters a feed by category and rejects a malformed category with a 400 problem', async () => {
    const body = await (await fetch(system.url('rss', '/feed/politics'))).text();
    const items = asArray(xml.parse(body).rss.channel.item);
    expect(items.length).toBe(6);
    expect(items.every((i: any) => i.category === 'politics')).toBe(true);
    const bad = await fetch(system.url('rss', '/feed/Not%20A%20Category'));
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toMatch(/application\/problem\+json/);
  });

  it('keeps titles with markup characters, quotes and non-ASCII intact in RSS, sitemap and GraphQL', async () => {
    const title = `Q&A: "Zürich" <café> 's 北京`;
    const created = await client.createArticle({
      title,
      body: 'Body with <b>tags</b> & ampersands',
      category: 'lifestyle',
      authorId: 'sofia-marquez',
      status: 'PUBLISHED',
    });
    const feed = xml.parse(await (await fetch(system.url('rss', '/feed/lifestyle'))).text());
    const item = asArray(feed.rss.channel.item).find((i: any) => i.guid['#text'] === created.id);
    expect(item.title).toBe(title);
    expect(item['dc:creator']).toBe('Sofía Márquez');

    const sitemapBody = await (await fetch(system.url('sitemap', '/sitemap'))).text();
    expect(XMLValidator.validate(sitemapBody)).toBe(true);
    const locs = asArray(xml.parse(sitemapBody).urlset.url).map((u: any) => u.loc);
    expect(locs).toContain(`https://news.fairflax.example/articles/${created.id}`);

    const { body } = await graphql(
      system,
      'query($id: ID!) { article(id: $id) { title author { name } } }',
      { id: created.id },
    );
    expect(body.data.article).toEqual({ title, author: { name: 'Sofía Márquez' } });
  });

  it('answers GraphQL queries and forwards mutations to articles', async () => {
    const list = await graphql(
      system,
      '{ articles(category: "business", count: 3) { id status category } }',
    );
    expect(list.body.data.articles).toHaveLength(3);
    expect(
      list.body.data.articles.every(
        (a: any) => a.status === 'PUBLISHED' && a.category === 'business',
      ),
    ).toBe(true);

    const created = await graphql(
      system,
      'mutation { createArticle(input: { title: "Tide tables", body: "High water at noon", category: "environment", authorId: "hiro-tanaka" }) { id status } }',
    );
    expect(created.body.data.createArticle.status).toBe('DRAFT');
    const id = created.body.data.createArticle.id;
    const updated = await graphql(
      system,
      `mutation { updateArticle(id: "${id}", input: { status: PUBLISHED }) { status title } }`,
    );
    expect(updated.body.data.updateArticle).toEqual({ status: 'PUBLISHED', title: 'Tide tables' });

    expect(
      (await graphql(system, '{ article(id: "seed-9999") { id } }')).body.data.article,
    ).toBeNull();
  });

  it('turns invalid input into GraphQL errors with codes and gRPC INVALID_ARGUMENT', async () => {
    const tooMany = await graphql(system, '{ articles(count: 500) { id } }');
    expect(tooMany.body.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(tooMany.body.errors?.[0].message).toMatch(/count must be from 1 to 50/);
    await expect(
      client.createArticle({ title: '', body: 'x', category: 'business', authorId: 'hiro-tanaka' }),
    ).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT, details: 'title is required' });
    await expect(client.getArticle('nope')).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
  });

  it('serves GraphiQL at /graphiql', async () => {
    const res = await fetch(system.url('graph', '/graphiql'));
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/graphiql/i);
  });
});

describe('the problems of the coupled design', { timeout: 60_000 }, () => {
  it('fans every read out to articles, fails without it and cannot search', async () => {
    const system = await startSystem(servicesDir);
    try {
      const report = await checkCoupling(system);
      expect(report.grpcCallsPerRead).toEqual({
        'GET rss /feed': 1,
        'GET rss /feed/business': 1,
        'GET sitemap /sitemap': 1,
        'POST graph articles(count: 20)': 1,
      });
      expect(report.statusWithArticlesDown).toEqual({
        'GET rss /feed': 503,
        'GET rss /feed/business': 503,
        'GET sitemap /sitemap': 503,
        'POST graph articles(count: 20)': 503,
      });
      expect(report.search.supported).toBe(false);
      expect(report.search.detail).toMatch(/Cannot query field "search"/);
    } finally {
      await system.stop();
    }
  });
});
