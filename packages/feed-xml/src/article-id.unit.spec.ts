import fc from 'fast-check';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import {
  articleLink,
  decodeArticleId,
  encodeArticleId,
  renderRss,
  renderSitemap,
  type RssItem,
} from './index.js';

const PUBLIC_URL = 'https://news.fairflax.example';
const parser = new XMLParser({
  ignoreAttributes: false,
  parseTagValue: false,
  htmlEntities: false,
});
const asArray = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);

/** Any JS string, weighted towards what XML cannot carry or readers alter. */
const anyId = fc.string({
  unit: fc.oneof(
    fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
    fc.integer({ min: 0xd800, max: 0xdfff }).map((unit) => String.fromCharCode(unit)),
    fc.integer({ min: 0, max: 0x1f }).map((unit) => String.fromCharCode(unit)),
    fc.constantFrom('&', '<', '>', '"', "'", '%', '/', ' ', '\uFFFE', '\uFFFF', '\u00A0', ']]>'),
  ),
  maxLength: 12,
});

describe('encodeArticleId', () => {
  it('gives ids that differ only in characters XML cannot carry their own encodings', () => {
    expect(encodeArticleId('x\u0007y')).toBe('x%07y');
    expect(encodeArticleId('xy')).toBe('xy');
    expect(encodeArticleId(' xy\r\n')).toBe('%20xy%0D%0A');
  });

  it('encodes a lone surrogate instead of throwing, as its WTF-8 bytes', () => {
    expect(encodeArticleId('a\uD800b')).toBe('a%ED%A0%80b');
    expect(encodeArticleId('\uDFFF')).toBe('%ED%BF%BF');
    expect(encodeArticleId('\uD83D\uDE00')).toBe('%F0%9F%98%80');
  });

  it('is encodeURIComponent for every well-formed string, so links stay what they were', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (id) => {
        expect(encodeArticleId(id)).toBe(encodeURIComponent(id));
      }),
    );
  });

  it('gives back exactly the id when decoded, in ASCII with no XML special or space', () => {
    fc.assert(
      fc.property(anyId, (id) => {
        const encoded = encodeArticleId(id);
        expect(encoded).toMatch(/^[A-Za-z0-9\-_.!~*'()%]*$/);
        expect(decodeArticleId(encoded)).toBe(id);
      }),
    );
  });

  it('never gives two distinct ids the same encoding', () => {
    fc.assert(
      fc.property(anyId, anyId, (a, b) => {
        fc.pre(a !== b);
        expect(encodeArticleId(a)).not.toBe(encodeArticleId(b));
      }),
    );
  });
});

describe('decodeArticleId', () => {
  it('refuses what encodeArticleId cannot have produced', () => {
    expect(() => decodeArticleId('%E0%A4%A')).toThrowError(URIError);
    expect(() => decodeArticleId('a%ED%A0%80%')).toThrowError(URIError);
  });
});

describe('feeds and sitemaps of arbitrary ids', () => {
  const ids = fc.uniqueArray(anyId, { minLength: 1, maxLength: 8 });

  it('render well-formed RSS whose guids and links give back each id', () => {
    fc.assert(
      fc.property(ids, (articleIds) => {
        const items: RssItem[] = articleIds.map((id) => ({
          guid: encodeArticleId(id),
          title: id,
          link: articleLink(PUBLIC_URL, id),
          description: id,
          category: 'news',
          author: id,
          published: new Date(0),
        }));
        const xml = renderRss({
          title: 't',
          link: PUBLIC_URL,
          selfUrl: 's',
          description: 'd',
          items,
        });
        expect(XMLValidator.validate(xml)).toBe(true);
        const parsed = asArray<any>(parser.parse(xml).rss.channel.item);
        expect(parsed.map((i) => decodeArticleId(i.guid['#text'] ?? ''))).toEqual(articleIds);
        expect(
          parsed.map((i) => decodeArticleId(i.link.slice(`${PUBLIC_URL}/articles/`.length))),
        ).toEqual(articleIds);
      }),
    );
  });

  it('render a well-formed sitemap whose locs give back each id', () => {
    fc.assert(
      fc.property(ids, (articleIds) => {
        const urls = articleIds.map((id) => ({
          loc: articleLink(PUBLIC_URL, id),
          lastModified: new Date(0),
        }));
        const xml = renderSitemap(urls);
        expect(XMLValidator.validate(xml)).toBe(true);
        const locs = asArray<any>(parser.parse(xml).urlset.url).map((u) => u.loc as string);
        expect(locs.map((loc) => decodeArticleId(loc.split('/articles/')[1]!))).toEqual(articleIds);
      }),
    );
  });
});
