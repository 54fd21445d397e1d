import { escapeXml } from './escape.js';

export interface SitemapUrl {
  loc: string;
  lastModified: Date;
}

/** The sitemaps.org protocol caps one file at 50,000 URLs. */
export const SITEMAP_MAX_URLS = 50_000;

export function renderSitemap(urls: readonly SitemapUrl[]): string {
  if (urls.length > SITEMAP_MAX_URLS) {
    throw new RangeError(`a sitemap holds at most ${SITEMAP_MAX_URLS} URLs, got ${urls.length}`);
  }
  const body = urls
    .map(
      (u) =>
        `<url><loc>${escapeXml(u.loc)}</loc><lastmod>${u.lastModified.toISOString()}</lastmod></url>`,
    )
    .join('');
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${body}</urlset>\n`
  );
}

export interface NewsSitemapUrl extends SitemapUrl {
  title: string;
  published: Date;
}

/** A news sitemap holds only the last two days' articles; the caller, who knows "now", filters. */
export function renderNewsSitemap(
  publication: { name: string; language: string },
  urls: readonly NewsSitemapUrl[],
): string {
  const name = escapeXml(publication.name);
  const language = escapeXml(publication.language);
  const body = urls
    .map(
      (u) =>
        `<url><loc>${escapeXml(u.loc)}</loc><news:news><news:publication><news:name>${name}</news:name>` +
        `<news:language>${language}</news:language></news:publication>` +
        `<news:publication_date>${u.published.toISOString()}</news:publication_date>` +
        `<news:title>${escapeXml(u.title)}</news:title></news:news></url>`,
    )
    .join('');
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">' +
    `${body}</urlset>\n`
  );
}
