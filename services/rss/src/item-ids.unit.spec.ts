import { decodeArticleId } from '@fairflax/feed-xml';
import { openReadModel, ProjectionRunner } from '@fairflax/projections';
import { eventLog, newsroomEvents } from '@fairflax/projections/testing';
import fc from 'fast-check';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp, FEED_SIZE } from './app.js';
import { rssFeedProjection } from './projection.js';

const PUBLIC_URL = 'https://news.fairflax.example';
const ARTICLES = `${PUBLIC_URL}/articles/`;
const { story } = newsroomEvents;
const xml = new XMLParser({ ignoreAttributes: false, parseTagValue: false, htmlEntities: false });
const asArray = <T>(v: T | T[] | undefined): T[] =>
  v === undefined ? [] : Array.isArray(v) ? v : [v];

const apps: { close(): Promise<unknown> }[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

async function feedOf(db = openReadModel(':memory:')) {
  const runner = new ProjectionRunner(db, rssFeedProjection(PUBLIC_URL));
  const app = await buildApp({ db, runner, publicUrl: PUBLIC_URL });
  apps.push(app);
  const log = eventLog();
  return {
    db,
    apply: (...ids: string[]) => runner.applyBatch(log(ids.flatMap((id, i) => story(id, i)))),
    /** Each item's guid and link as the feed shows them. */
    items: async () => {
      const res = await app.inject({ method: 'GET', url: '/feed' });
      expect(res.statusCode).toBe(200);
      expect(XMLValidator.validate(res.body)).toBe(true);
      return asArray<any>(xml.parse(res.body).rss.channel.item).map((i) => ({
        guid: (i.guid['#text'] ?? '') as string,
        link: i.link as string,
      }));
    },
  };
}

describe('rss guids and links', () => {
  it('keep apart ids that differ only in characters XML cannot carry', async () => {
    const s = await feedOf();
    s.apply('xy', 'x\u0007y', ' xy');
    expect(await s.items()).toEqual([
      { guid: '%20xy', link: `${ARTICLES}%20xy` },
      { guid: 'x%07y', link: `${ARTICLES}x%07y` },
      { guid: 'xy', link: `${ARTICLES}xy` },
    ]);
  });

  it('give back every article id, and never one guid or link for two articles', async () => {
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
      fc.asyncProperty(fc.uniqueArray(id, { minLength: 1, maxLength: FEED_SIZE }), async (ids) => {
        const s = await feedOf();
        s.apply(...ids);
        const items = await s.items();
        expect(items.map((i) => decodeArticleId(i.guid)).sort()).toEqual([...ids].sort());
        expect(items.map((i) => decodeArticleId(i.link.slice(ARTICLES.length))).sort()).toEqual(
          [...ids].sort(),
        );
      }),
      { numRuns: 50 },
    );
  });

  it('are re-rendered for items stored in an older format when rss starts', async () => {
    const db = openReadModel(':memory:');
    const before = await feedOf(db);
    before.apply('x\u0007y');
    // As an older rss stored it: the guid with the control character dropped.
    db.prepare(
      `UPDATE rss_articles SET item_xml = replace(item_xml, 'x%07y</guid>', 'xy</guid>')`,
    ).run();
    db.prepare(`DELETE FROM rss_settings WHERE key = 'item_format'`).run();
    expect((await before.items())[0]?.guid).toBe('xy');

    const after = await feedOf(db);
    expect(await after.items()).toEqual([{ guid: 'x%07y', link: `${ARTICLES}x%07y` }]);
  });
});
