import type { FairflaxEvent } from '@fairflax/events';
import { openReadModel, ProjectionRunner } from '@fairflax/projections';
import { at, eventLog, newsroomEvents } from '@fairflax/projections/testing';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp, FEED_SIZE } from './app.js';
import { rssFeedProjection } from './projection.js';

const PUBLIC_URL = 'https://news.fairflax.example';
const { registered, renamed, drafted, revised, published, retracted, story } = newsroomEvents;

const xml = new XMLParser({ ignoreAttributes: false, parseTagValue: false, htmlEntities: false });
const asArray = <T>(v: T | T[] | undefined): T[] =>
  v === undefined ? [] : Array.isArray(v) ? v : [v];

const apps: { close(): Promise<unknown> }[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

async function rss(publicUrl = PUBLIC_URL) {
  const db = openReadModel(':memory:');
  const runner = new ProjectionRunner(db, rssFeedProjection(publicUrl));
  const feedStatus = () => ({ connected: true, headPosition: 42, reconnects: 0 });
  const app = await buildApp({ db, runner, publicUrl, feedStatus });
  apps.push(app);
  const log = eventLog();
  const get = (url: string) => app.inject({ method: 'GET', url });
  const channel = async (url: string) => {
    const res = await get(url);
    expect(res.statusCode).toBe(200);
    expect(XMLValidator.validate(res.body)).toBe(true);
    return xml.parse(res.body).rss.channel;
  };
  return {
    db,
    runner,
    app,
    get,
    channel,
    items: async (url: string) => asArray<any>((await channel(url)).item),
    guids: async (url: string) =>
      asArray<any>((await channel(url)).item).map((i) => i.guid['#text']),
    apply: (...events: FairflaxEvent[]) => runner.applyBatch(log(events)),
    log,
  };
}

describe('GET /feed', () => {
  it('lists only published articles, newest first, at most 20', async () => {
    const s = await rss();
    const ids = Array.from(
      { length: FEED_SIZE + 2 },
      (_, i) => `a-${String(i + 1).padStart(2, '0')}`,
    );
    s.apply(...ids.flatMap((id, i) => story(id, i + 1)));
    s.apply(drafted('draft-only', 100), ...story('retracted', 90), retracted('retracted', 95));

    const guids = await s.guids('/feed');
    expect(guids).toEqual([...ids].reverse().slice(0, FEED_SIZE));
    expect(guids).not.toContain('draft-only');
    expect(guids).not.toContain('retracted');
  });

  it('orders articles published at the same moment by id, descending', async () => {
    const s = await rss();
    s.apply(...story('b', 1), ...story('c', 1), ...story('a', 1), ...story('older', 0));
    expect(await s.guids('/feed')).toEqual(['c', 'b', 'a', 'older']);
  });

  it('serves a valid RSS 2.0 channel as application/rss+xml, also while nothing is published', async () => {
    const s = await rss();
    const empty = await s.get('/feed');
    expect(empty.statusCode).toBe(200);
    expect(empty.headers['content-type']).toBe('application/rss+xml; charset=utf-8');
    expect(XMLValidator.validate(empty.body)).toBe(true);
    expect(xml.parse(empty.body).rss.channel.item).toBeUndefined();

    s.apply(...story('first', 1), ...story('second', 2));
    const channel = await s.channel('/feed');
    expect(channel.title).toBe('Fairflax — latest');
    expect(channel.link).toBe(PUBLIC_URL);
    expect(channel['atom:link']['@_href']).toBe(`${PUBLIC_URL}/feed`);
    expect(channel.lastBuildDate).toBe(new Date(at(2)).toUTCString());
  });

  it('renders each item from the article: link, guid, description, category, creator and pubDate', async () => {
    const s = await rss();
    s.apply(
      drafted('wind/farm 1', 1, {
        title: 'Wind',
        body: 'Turbines',
        category: 'environment',
        authorName: 'Nadia Rahman',
      }),
      published('wind/farm 1', 7),
    );
    const [item] = await s.items('/feed');
    expect(item).toMatchObject({
      title: 'Wind',
      link: `${PUBLIC_URL}/articles/wind%2Ffarm%201`,
      guid: { '#text': 'wind%2Ffarm%201', '@_isPermaLink': 'false' },
      description: 'Turbines',
      category: 'environment',
      'dc:creator': 'Nadia Rahman',
      pubDate: new Date(at(7)).toUTCString(),
    });
  });

  it('keeps titles, bodies and names with markup characters, quotes and non-ASCII text intact', async () => {
    const s = await rss();
    const title = `Q&A: "Zürich" <café> isn't 北京 — ünïcødé 😀`;
    const body = 'Ends the element early? </description><x> & more';
    s.apply(...story('tricky', 1, { title, body, authorName: `Zoë O'Neil & <Co>` }));
    const [item] = await s.items('/feed');
    expect(item.title).toBe(title);
    expect(item.description).toBe(body);
    expect(item['dc:creator']).toBe(`Zoë O'Neil & <Co>`);
  });
});

describe('GET /feed/:category', () => {
  it('lists only the latest published articles of that category, under its own channel title', async () => {
    const s = await rss();
    s.apply(
      ...Array.from({ length: FEED_SIZE + 1 }, (_, i) =>
        story(`p-${String(i).padStart(2, '0')}`, i, { category: 'politics' }),
      ).flat(),
      ...story('b-1', 50, { category: 'business' }),
      drafted('p-draft', 60, { category: 'politics' }),
    );
    const channel = await s.channel('/feed/politics');
    expect(channel.title).toBe('Fairflax — politics');
    expect(channel['atom:link']['@_href']).toBe(`${PUBLIC_URL}/feed/politics`);
    const guids = asArray<any>(channel.item).map((i) => i.guid['#text']);
    expect(guids).toHaveLength(FEED_SIZE);
    expect(guids[0]).toBe('p-20');
    expect(guids.every((id: string) => id.startsWith('p-') && id !== 'p-draft')).toBe(true);
    expect(await s.guids('/feed/business')).toEqual(['b-1']);
  });

  it('answers 404 problem+json for a category no published article has ever been in', async () => {
    const s = await rss();
    s.apply(
      ...story('b-1', 1, { category: 'business' }),
      drafted('secret', 2, { category: 'mergers' }),
    );
    for (const category of ['sport', 'mergers']) {
      const res = await s.get(`/feed/${category}`);
      expect(res.statusCode).toBe(404);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json()).toMatchObject({ status: 404, title: 'Not Found' });
    }
  });

  it('answers 400 problem+json for a malformed category slug', async () => {
    const s = await rss();
    for (const slug of ['Business', '9lives', 'news_desk', 'a'.repeat(41), '%3Cscript%3E']) {
      const res = await s.get(`/feed/${slug}`);
      expect(res.statusCode, slug).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json()).toMatchObject({ status: 400, title: 'Bad Request' });
    }
    expect((await s.get(`/feed/${'a'.repeat(40)}`)).statusCode).toBe(404);
  });

  it('keeps answering, with no items, for a category whose only article was retracted', async () => {
    const s = await rss();
    s.apply(...story('only', 1, { category: 'lifestyle' }), retracted('only', 2));
    const channel = await s.channel('/feed/lifestyle');
    expect(channel.item).toBeUndefined();
  });
});

describe('the rss read model', () => {
  it('re-renders the item when a published article is revised, moving it to its new category feed', async () => {
    const s = await rss();
    s.apply(...story('moving', 1, { title: 'Old title', body: 'Old body', category: 'business' }));
    s.apply(
      revised('moving', 5, { title: 'New <title>' }),
      revised('moving', 6, { body: 'New body', category: 'politics' }),
    );

    const [item] = await s.items('/feed');
    expect(item).toMatchObject({
      title: 'New <title>',
      description: 'New body',
      category: 'politics',
    });
    expect(item.pubDate).toBe(new Date(at(1)).toUTCString());
    expect(await s.guids('/feed/politics')).toEqual(['moving']);
    expect(await s.guids('/feed/business')).toEqual([]);
  });

  it('keeps a revised draft out of the feeds until it is published, then shows the revised text', async () => {
    const s = await rss();
    s.apply(
      drafted('draft', 1, { title: 'First try' }),
      revised('draft', 2, { title: 'Second try' }),
    );
    expect(await s.guids('/feed')).toEqual([]);
    s.apply(published('draft', 3));
    expect((await s.items('/feed')).map((i) => i.title)).toEqual(['Second try']);
  });

  it('removes a retracted article from the latest feed and its category feed', async () => {
    const s = await rss();
    s.apply(
      ...story('kept', 1, { category: 'politics' }),
      ...story('gone', 2, { category: 'politics' }),
    );
    s.apply(retracted('gone', 3));
    expect(await s.guids('/feed')).toEqual(['kept']);
    expect(await s.guids('/feed/politics')).toEqual(['kept']);
  });

  it("changes dc:creator in every item of a renamed author, and in no one else's", async () => {
    const s = await rss();
    s.apply(registered('nadia', 'Nadia Rahman'), registered('tom', 'Tom Ode'));
    s.apply(
      ...story('n-1', 1, { category: 'business' }),
      ...story('n-2', 2, { category: 'politics' }),
      ...story('t-1', 3, { authorId: 'tom', authorName: 'Tom Ode' }),
      drafted('n-draft', 4),
    );
    s.apply(renamed('nadia', 'Nadia Rahman-Okafor', 10));
    s.apply(published('n-draft', 11));

    const creators = Object.fromEntries(
      (await s.items('/feed')).map((i) => [i.guid['#text'], i['dc:creator']]),
    );
    expect(creators).toEqual({
      'n-1': 'Nadia Rahman-Okafor',
      'n-2': 'Nadia Rahman-Okafor',
      'n-draft': 'Nadia Rahman-Okafor',
      't-1': 'Tom Ode',
    });
    expect((await s.items('/feed/politics'))[0]['dc:creator']).toBe('Nadia Rahman-Okafor');
  });

  it('keeps the newest author name when author and article events arrive out of order', async () => {
    const s = await rss();
    // As from separate author and article topics: the rename (minute 10) is delivered before
    // the draft written at minute 5 under the old name, and the registration comes last.
    s.apply(
      renamed('nadia', 'New Name', 10),
      ...story('early', 5, { authorName: 'Old Name' }),
      registered('nadia', 'Old Name', 0),
    );
    expect((await s.items('/feed'))[0]['dc:creator']).toBe('New Name');
  });

  it('changes nothing when a batch is delivered again', async () => {
    const s = await rss();
    const first = s.log([registered('nadia', 'Nadia Rahman'), ...story('a', 1), ...story('b', 2)]);
    const second = s.log([
      revised('a', 3, { title: 'Revised' }),
      renamed('nadia', 'Nadia R.', 4),
      retracted('b', 5),
    ]);
    s.runner.applyBatch(first);
    s.runner.applyBatch(second);
    const before = (await s.get('/feed')).body;

    expect(s.runner.applyBatch(first)).toEqual({ applied: 0, skipped: first.length });
    expect(s.runner.applyBatch([...first, ...second])).toEqual({
      applied: 0,
      skipped: first.length + second.length,
    });
    expect((await s.get('/feed')).body).toBe(before);
    expect(before).toContain('<title>Revised</title>');
  });

  it('re-renders every link when started with a different PUBLIC_URL', async () => {
    const s = await rss('https://old.example');
    s.apply(...story('a', 1), ...story('b', 2));
    const moved = new ProjectionRunner(s.db, rssFeedProjection('https://news.example'));
    const app = await buildApp({ db: s.db, runner: moved, publicUrl: 'https://news.example' });
    apps.push(app);
    const res = await app.inject({ method: 'GET', url: '/feed' });
    const links = asArray<any>(xml.parse(res.body).rss.channel.item).map((i) => i.link);
    expect(links).toEqual(['https://news.example/articles/b', 'https://news.example/articles/a']);
    expect(moved.globalPosition()).toBe(4);
  });
});

describe('GET /healthz', () => {
  it('reports the applied position and the event feed status on /healthz', async () => {
    const s = await rss();
    s.apply(registered('nadia', 'Nadia Rahman'), ...story('a', 1));
    const res = await s.get('/healthz');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      status: 'ok',
      position: 3,
      feed: { connected: true, headPosition: 42, reconnects: 0 },
    });
  });
});
