import { escapeXml } from './escape.js';

export interface RssItem {
  guid: string;
  title: string;
  link: string;
  description: string;
  category: string;
  author: string;
  published: Date;
}

/** Everything a channel says about itself; its items come separately. */
export interface RssChannelInfo {
  title: string;
  link: string;
  /** The feed's own URL, announced with atom:link rel="self" as feed validators expect. */
  selfUrl: string;
  description: string;
  language?: string;
}

export interface RssChannel extends RssChannelInfo {
  items: readonly RssItem[];
}

/** An item as `renderRssItem` rendered it, with the date it was rendered from. */
export interface RenderedRssItem {
  xml: string;
  published: Date;
}

const line = (tag: string, value: string) => `<${tag}>${escapeXml(value)}</${tag}>`;

/** A whole `<item>` element, closing tag included: `renderRssChannel` joins these unchanged. */
export function renderRssItem(item: RssItem): string {
  return (
    '<item>' +
    line('title', item.title) +
    line('link', item.link) +
    `<guid isPermaLink="false">${escapeXml(item.guid)}</guid>` +
    line('description', item.description) +
    line('category', item.category) +
    line('dc:creator', item.author) +
    line('pubDate', item.published.toUTCString()) +
    '</item>'
  );
}

/** An RSS 2.0 document: `renderRssChannel` around each item as `renderRssItem` renders it. */
export function renderRss(channel: RssChannel): string {
  const items = channel.items.map((item) => ({
    xml: renderRssItem(item),
    published: item.published,
  }));
  return renderRssChannel(channel, items);
}

/**
 * An RSS 2.0 document around items already rendered, in the order given. `lastBuildDate` is the
 * newest item's date (absent without items), so the same items always give the same bytes.
 */
export function renderRssChannel(
  channel: RssChannelInfo,
  items: readonly RenderedRssItem[],
): string {
  const newest = items.reduce<Date | undefined>(
    (acc, item) => (acc === undefined || item.published > acc ? item.published : acc),
    undefined,
  );
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/elements/1.1/">' +
    '<channel>' +
    line('title', channel.title) +
    line('link', channel.link) +
    `<atom:link href="${escapeXml(channel.selfUrl)}" rel="self" type="application/rss+xml"/>` +
    line('description', channel.description) +
    line('language', channel.language ?? 'en') +
    (newest ? line('lastBuildDate', newest.toUTCString()) : '') +
    items.map((item) => item.xml).join('') +
    '</channel></rss>\n'
  );
}
