import type { FairflaxEvent } from '@fairflax/events';
import { SITEMAP_MAX_URLS } from '@fairflax/feed-xml';
import { openReadModel, ProjectionRunner } from '@fairflax/projections';
import { createLogger, type Logger } from '@fairflax/service-kit';
import { at, eventLog, newsroomEvents, T0 } from '@fairflax/projections/testing';
import fc from 'fast-check';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp, NEWS_SITEMAP_MAX_URLS, NEWS_WINDOW_MS } from './app.js';
import { sitemapProjection } from './projection.js';

const PUBLIC_URL = 'https://news.fairflax.example';
const HOUR = 60;

const { registered, renamed, drafted, revised, published, retracted, story } = newsroomEvents;

const xml = new XMLParser({ ignoreAttributes: false, parseTagValue: false, htmlEntities: false });
const asArray = <T>(v: T | T[] | undefined): T[] =>
  v === undefined ? [] : Array.isArray(v) ? v : [v];
const idOf = (loc: string) => decodeURIComponent(loc.slice(`${PUBLIC_URL}/articles/`.length));

const apps: { close(): Promise<unknown> }[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

async function sitemap(options: { now?: () => Date; logger?: Logger } = {}) {
  const db = openReadModel(':memory:');
  const runner = new ProjectionRunner(db, sitemapProjection);
  const feedStatus = () => ({
    connected: false,
    headPosition: 9,
    reconnects: 3,
    lastError: 'stream ended',
  });
  const app = await buildApp({ db, runner, publicUrl: PUBLIC_URL, feedStatus, ...options });
  apps.push(app);
  const log = eventLog();
  const get = (url: string) => app.inject({ method: 'GET', url });
  const urls = async (url: string) => {
    const res = await get(url);
    expect(res.statusCode).toBe(200);
    expect(XMLValidator.validate(res.body)).toBe(true);
    return asArray<any>(xml.parse(res.body).urlset.url);
  };
  /** The sitemap as { articleId: lastmod }, in document order. */
  const lastmods = async () =>
    Object.fromEntries((await urls('/sitemap')).map((u) => [idOf(u.loc), u.lastmod]));
  return {
    db,
    runner,
    get,
    urls,
    lastmods,
    ids: async (url: string) => (await urls(url)).map((u) => idOf(u.loc)),
    apply: (...events: FairflaxEvent[]) => runner.applyBatch(log(events)),
    log,
  };
}

describe('GET /sitemap', () => {
  it('lists every published article, newest first, and no drafts or retracted ones', async () => {
    const s = await sitemap();
    // More than the 50 the coupled sitemap could get from one articles call.
    const ids = Array.from({ length: 60 }, (_, i) => `a-${String(i).padStart(2, '0')}`);
    s.apply(...ids.flatMap((id, i) => story(id, i)));
    s.apply(drafted('draft-only', 100), ...story('retracted', 90), retracted('retracted', 95));
    expect(await s.ids('/sitemap')).toEqual([...ids].reverse());
  });

  it('serves application/xml; charset=utf-8 with absolute article URLs, also while nothing is published', async () => {
    const s = await sitemap();
    const empty = await s.get('/sitemap');
    expect(empty.statusCode).toBe(200);
    expect(empty.headers['content-type']).toBe('application/xml; charset=utf-8');
    expect(XMLValidator.validate(empty.body)).toBe(true);
    expect(xml.parse(empty.body).urlset.url).toBeUndefined();

    s.apply(...story('wind/farm & co', 1));
    const [url] = await s.urls('/sitemap');
    expect(url.loc).toBe(`${PUBLIC_URL}/articles/wind%2Ffarm%20%26%20co`);
  });

  it('gives every article a loc of its own that decodes back to its id, whatever the id holds', async () => {
    // Ids as stored events may hold them: any well-formed text, heavy on what XML mangles.
    const id = fc.string({
      unit: fc.oneof(
        fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
        fc.integer({ min: 0, max: 0x1f }).map((unit) => String.fromCharCode(unit)),
        fc.constantFrom('&', '<', '"', '%', '/', ' ', '\uFFFE', '\uFFFF'),
      ),
      minLength: 1,
      maxLength: 8,
    });
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(id, { minLength: 1, maxLength: 20 }), async (ids) => {
        const s = await sitemap();
        s.apply(...ids.flatMap((articleId, i) => story(articleId, i)));
        expect((await s.ids('/sitemap')).sort()).toEqual([...ids].sort());
      }),
      { numRuns: 50 },
    );
  });

  it('gives each article the time it was published as lastmod, whatever happened to the draft before', async () => {
    const s = await sitemap();
    s.apply(drafted('a', 1), revised('a', 2, { title: 'Better' }), published('a', 3));
    expect(await s.lastmods()).toEqual({ a: at(3) });
  });

  it('moves lastmod to the time of the latest revision of a published article', async () => {
    const s = await sitemap();
    s.apply(...story('a', 1), ...story('b', 2));
    s.apply(revised('a', 10, { body: 'Corrected' }));
    expect(await s.lastmods()).toEqual({ b: at(2), a: at(10) });
  });

  it("moves lastmod of every article of a renamed author to the rename, and no one else's", async () => {
    const s = await sitemap();
    s.apply(registered('nadia', 'Nadia Rahman'), registered('tom', 'Tom Ode'));
    s.apply(...story('n-1', 1), ...story('n-2', 2), ...story('t-1', 3, { authorId: 'tom' }));
    s.apply(renamed('nadia', 'Nadia Rahman-Okafor', 20));
    expect(await s.lastmods()).toEqual({ 't-1': at(3), 'n-2': at(20), 'n-1': at(20) });
  });

  it('counts a rename delivered before the events of an article it came after', async () => {
    const s = await sitemap();
    // As from separate author and article topics: the rename at minute 10 arrives first.
    s.apply(renamed('nadia', 'New Name', 10), ...story('early', 5));
    s.apply(...story('later', 30));
    expect(await s.lastmods()).toEqual({ later: at(30), early: at(10) });
  });

  it('stores the same rows whichever order a rename and the article streams arrive in', async () => {
    // Drafts are in no sitemap, but the read model must still equal a fold of the event store
    // in log order; Kafka may deliver the author topic ahead of the article topic.
    const rows = (s: { db: typeof inOrder.db }) =>
      s.db.prepare('SELECT * FROM sitemap_articles ORDER BY id').all();
    const inOrder = await sitemap();
    inOrder.apply(drafted('draft', 5), ...story('pub', 6), renamed('nadia', 'New Name', 10));
    inOrder.apply(drafted('after', 12));
    const authorFirst = await sitemap();
    authorFirst.apply(renamed('nadia', 'New Name', 10));
    authorFirst.apply(drafted('draft', 5), ...story('pub', 6), drafted('after', 12));

    expect(rows(authorFirst)).toEqual(rows(inOrder));
    expect(rows(inOrder).map((r: any) => [r.id, r.lastmod])).toEqual([
      ['after', at(12)],
      ['draft', at(10)],
      ['pub', at(10)],
    ]);
  });

  it(`lists the newest ${SITEMAP_MAX_URLS} and logs a warning when more articles are published`, async () => {
    const lines: string[] = [];
    const s = await sitemap({
      logger: createLogger(
        'sitemap',
        { LOG_LEVEL: 'warn' },
        {
          write: (line: string) => void lines.push(line),
        },
      ),
    });
    const count = SITEMAP_MAX_URLS + 1;
    // Oldest first: a-000000 is the one left out. Applied straight through the projection,
    // without encoding 100,002 events for the runner, which would take seconds.
    s.db.transaction(() => {
      for (let i = 0; i < count; i++) {
        const articleId = `a-${String(i).padStart(6, '0')}`;
        for (const event of story(articleId, i)) {
          sitemapProjection.apply(s.db, {
            event,
            streamId: `article-${articleId}`,
            streamVersion: event.type === 'ArticleDrafted' ? 1 : 2,
            globalPosition: 0,
            recordedAt: at(i),
          });
        }
      }
    })();

    const res = await s.get('/sitemap');
    expect(res.statusCode).toBe(200);
    // Read with a regular expression: parsing 50,000 URLs into objects takes longer than the rest.
    const ids = [...res.body.matchAll(/<loc>([^<]*)<\/loc>/g)].map((m) => idOf(m[1]!));
    expect(ids).toHaveLength(SITEMAP_MAX_URLS);
    expect(ids[0]).toBe(`a-${String(count - 1).padStart(6, '0')}`);
    expect(ids.at(-1)).toBe('a-000001');
    const warnings = lines.map((l) => JSON.parse(l)).filter((l) => l.level === 40);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ published: count, listed: SITEMAP_MAX_URLS });
  });

  it('changes nothing when a batch is delivered again', async () => {
    const s = await sitemap();
    const first = s.log([registered('nadia', 'Nadia Rahman'), ...story('a', 1), ...story('b', 2)]);
    const second = s.log([
      revised('a', 3, { title: 'Revised' }),
      renamed('nadia', 'Nadia R.', 4),
      retracted('b', 5),
    ]);
    s.runner.applyBatch(first);
    s.runner.applyBatch(second);
    const before = (await s.get('/sitemap')).body;
    const newsBefore = (await s.get('/sitemap/news')).body;

    expect(s.runner.applyBatch(first)).toEqual({ applied: 0, skipped: first.length });
    expect(s.runner.applyBatch([...first, ...second])).toEqual({
      applied: 0,
      skipped: first.length + second.length,
    });
    expect((await s.get('/sitemap')).body).toBe(before);
    expect((await s.get('/sitemap/news')).body).toBe(newsBefore);
    expect(await s.lastmods()).toEqual({ a: at(4) });
  });
});

describe('GET /sitemap/news', () => {
  it('lists the articles published in the 48 hours before now, newest first, with their current titles intact', async () => {
    let now = new Date(T0 + 100 * HOUR * 60_000);
    const s = await sitemap({ now: () => now });
    const title = `Q&A: "Zürich" <café> isn't 北京 😀`;
    s.apply(
      ...story('too-old', 100 * HOUR - 48 * HOUR - 1),
      ...story('just-in', 100 * HOUR - 48 * HOUR),
      ...story('recent', 100 * HOUR - 60, { title }),
      ...story('retracted', 100 * HOUR - 30),
      retracted('retracted', 100 * HOUR - 20),
      drafted('draft', 100 * HOUR - 10),
    );

    const res = await s.get('/sitemap/news');
    expect(res.headers['content-type']).toBe('application/xml; charset=utf-8');
    const urls = await s.urls('/sitemap/news');
    expect(urls.map((u) => idOf(u.loc))).toEqual(['recent', 'just-in']);
    expect(urls[0]['news:news']).toMatchObject({
      'news:publication': { 'news:name': 'Fairflax', 'news:language': 'en' },
      'news:publication_date': at(100 * HOUR - 60),
      'news:title': title,
    });

    s.apply(revised('recent', 100 * HOUR - 5, { title: 'Corrected & <updated>' }));
    now = new Date(now.getTime() + 60_000);
    const later = await s.urls('/sitemap/news');
    expect(later.map((u) => idOf(u.loc))).toEqual(['recent']);
    expect(later[0]['news:news']['news:title']).toBe('Corrected & <updated>');
    expect(NEWS_WINDOW_MS).toBe(48 * 3_600_000);
  });
});

describe('GET /sitemap/news, past its size limit', () => {
  it(`lists the newest ${NEWS_SITEMAP_MAX_URLS} and logs a warning when more articles are recent`, async () => {
    const lines: string[] = [];
    const now = new Date(T0 + 24 * HOUR * 60_000);
    const logger = createLogger(
      'sitemap',
      { LOG_LEVEL: 'warn' },
      {
        write: (line: string) => void lines.push(line),
      },
    );
    const s = await sitemap({ now: () => now, logger });
    const count = NEWS_SITEMAP_MAX_URLS + 1;
    s.apply(
      ...Array.from({ length: count }, (_, i) =>
        story(`n-${String(i).padStart(4, '0')}`, i),
      ).flat(),
    );

    const ids = await s.ids('/sitemap/news');
    expect(ids).toHaveLength(NEWS_SITEMAP_MAX_URLS);
    expect(ids[0]).toBe(`n-${String(count - 1).padStart(4, '0')}`);
    expect(ids).not.toContain('n-0000');
    const warnings = lines.map((l) => JSON.parse(l)).filter((l) => l.level === 40);
    expect(warnings).toEqual([expect.objectContaining({ listed: NEWS_SITEMAP_MAX_URLS })]);
  });
});

describe('GET /healthz', () => {
  it('reports the applied position and the event feed status on /healthz', async () => {
    const s = await sitemap();
    s.apply(registered('nadia', 'Nadia Rahman'), ...story('a', 1));
    const res = await s.get('/healthz');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      status: 'ok',
      position: 3,
      feed: { connected: false, headPosition: 9, reconnects: 3, lastError: 'stream ended' },
    });
  });
});
