export { articleLink, decodeArticleId, encodeArticleId } from './article-id.js';
export { escapeXml } from './escape.js';
export {
  renderRss,
  renderRssChannel,
  renderRssItem,
  type RenderedRssItem,
  type RssChannel,
  type RssChannelInfo,
  type RssItem,
} from './rss.js';
export {
  renderNewsSitemap,
  renderSitemap,
  SITEMAP_MAX_URLS,
  type NewsSitemapUrl,
  type SitemapUrl,
} from './sitemap.js';
