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

export interface RssChannel {
  title: string;
  link: string;
  /** The feed's own URL, announced with atom:link rel="self" as feed validators expect. */
  selfUrl: string;
  description: string;
  language?: string;
  items: readonly RssItem[];
}

const line = (tag: string, value: string) => `<${tag}>${escapeXml(value)}</${tag}>`;

/** A whole `<item>`, closing tag included: `renderRss` joins such strings as they are. */
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

/** Renders an RSS 2.0 document. `lastBuildDate` is the newest item's date, so output is stable. */
export function renderRss(channel: RssChannel, renderedItems?: readonly string[]): string {
  const items = renderedItems ?? channel.items.map(renderRssItem);
  const newest = channel.items.reduce<Date | undefined>(
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
    items.join('') +
    '</channel></rss>\n'
  );
}
