export { articleLink, decodeArticleId, encodeArticleId } from './article-id.js';
export { escapeXml } from './escape.js';
export { renderRss, renderRssItem, type RssChannel, type RssItem } from './rss.js';
export {
  renderNewsSitemap,
  renderSitemap,
  SITEMAP_MAX_URLS,
  type NewsSitemapUrl,
  type SitemapUrl,
} from './sitemap.js';
