import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import {
  escapeXml,
  renderNewsSitemap,
  renderRss,
  renderRssChannel,
  renderRssItem,
  renderSitemap,
  type RssItem,
} from './index.js';

const tricky = `Rates <rise> & "markets" 'wobble' — Zürich café\u0007 北京`;
const parser = new XMLParser({
  ignoreAttributes: false,
  processEntities: true,
  htmlEntities: false,
});

describe('escapeXml', () => {
  it('escapes the five XML specials and drops control characters XML cannot carry', () => {
    expect(escapeXml(`<a href="x">&'\u0001`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&apos;');
  });
});

describe('renderRss', () => {
  const published = new Date('2026-03-01T09:30:00Z');
  const xml = renderRss({
    title: 'Fairflax — Business',
    link: 'https://news.fairflax.example/business',
    selfUrl: 'https://news.fairflax.example/feed/business?x=1&y=2',
    description: 'Latest',
    items: [
      {
        guid: 'a-1',
        title: tricky,
        link: 'https://news.fairflax.example/articles/a-1',
        description: 'Body & more',
        category: 'business',
        author: "Zoë O'Neil",
        published,
      },
    ],
  });

  it('produces well-formed XML', () => {
    expect(XMLValidator.validate(xml)).toBe(true);
  });

  it('round-trips titles with markup characters, quotes and non-ASCII text intact', () => {
    const doc = parser.parse(xml);
    const item = doc.rss.channel.item;
    expect(item.title).toBe(tricky.replace('\u0007', ''));
    expect(item['dc:creator']).toBe("Zoë O'Neil");
    expect(item.pubDate).toBe('Sun, 01 Mar 2026 09:30:00 GMT');
    expect(doc.rss.channel['atom:link']['@_href']).toBe(
      'https://news.fairflax.example/feed/business?x=1&y=2',
    );
  });

  it('uses the newest item as lastBuildDate and leaves it out for an empty channel', () => {
    expect(parser.parse(xml).rss.channel.lastBuildDate).toBe(published.toUTCString());
    const empty = renderRss({ title: 't', link: 'l', selfUrl: 's', description: 'd', items: [] });
    expect(parser.parse(empty).rss.channel.lastBuildDate).toBeUndefined();
  });
});

describe('renderRssChannel', () => {
  const channel = {
    title: 'T & co',
    link: 'https://n.example',
    selfUrl: 'https://n.example/feed',
    description: 'D',
  };
  const item = (guid: string, published: Date): RssItem => ({
    guid,
    title: `title ${guid}`,
    link: `https://n.example/articles/${guid}`,
    description: 'body',
    category: 'news',
    author: 'A',
    published,
  });

  it('wraps the rendered items verbatim, in the order given, with the newest date as lastBuildDate', () => {
    const xml = renderRssChannel(channel, [
      { xml: '<item><title>b &amp; c</title></item>', published: new Date('2026-01-01T00:00:00Z') },
      { xml: '<item><title>a</title></item>', published: new Date('2026-02-01T00:00:00Z') },
    ]);
    expect(xml).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n' +
        '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/elements/1.1/">' +
        '<channel><title>T &amp; co</title><link>https://n.example</link>' +
        '<atom:link href="https://n.example/feed" rel="self" type="application/rss+xml"/>' +
        '<description>D</description><language>en</language>' +
        '<lastBuildDate>Sun, 01 Feb 2026 00:00:00 GMT</lastBuildDate>' +
        '<item><title>b &amp; c</title></item><item><title>a</title></item>' +
        '</channel></rss>\n',
    );
  });

  it('gives what renderRss gives for the same items, rendered by renderRssItem', () => {
    const items = [
      item('new', new Date(3_000)),
      item('old', new Date(1_000)),
      item('mid', new Date(2_000)),
    ];
    const rendered = items.map((i) => ({ xml: renderRssItem(i), published: i.published }));
    const withLanguage = { ...channel, language: 'de' };
    expect(renderRssChannel(withLanguage, rendered)).toBe(renderRss({ ...withLanguage, items }));
    expect(renderRssChannel(channel, [])).toBe(renderRss({ ...channel, items: [] }));
  });

  it('leaves lastBuildDate out for a channel without items', () => {
    expect(renderRssChannel(channel, [])).not.toContain('lastBuildDate');
  });
});

describe('renderSitemap', () => {
  it('renders one url per entry with an ISO lastmod', () => {
    const xml = renderSitemap([
      { loc: 'https://n.example/a?b=1&c=2', lastModified: new Date('2026-01-02T03:04:05Z') },
    ]);
    expect(XMLValidator.validate(xml)).toBe(true);
    const url = parser.parse(xml).urlset.url;
    expect(url.loc).toBe('https://n.example/a?b=1&c=2');
    expect(url.lastmod).toBe('2026-01-02T03:04:05.000Z');
  });

  it('refuses more URLs than one sitemap file may hold', () => {
    const many = Array.from({ length: 50_001 }, () => ({ loc: 'x', lastModified: new Date(0) }));
    expect(() => renderSitemap(many)).toThrowError(/at most 50000 URLs/);
  });

  it('renders a news sitemap with escaped titles', () => {
    const xml = renderNewsSitemap({ name: 'Fairflax', language: 'en' }, [
      {
        loc: 'https://n.example/a',
        lastModified: new Date(0),
        published: new Date(0),
        title: tricky,
      },
    ]);
    expect(XMLValidator.validate(xml)).toBe(true);
    expect(parser.parse(xml).urlset.url['news:news']['news:title']).toBe(
      tricky.replace('\u0007', ''),
    );
  });
});
