import {
  startReadService,
  type ReadService,
  type ReadServiceOptions,
} from '@fairflax/read-service';
import { buildApp } from './app.js';
import { sitemapProjection } from './projection.js';

/** The sitemap and news sitemap of the published articles, from sitemap's own read model. */
export const sitemap: ReadService = {
  name: 'sitemap',
  defaultPort: 4003,
  path: '/sitemap',
  projection: () => sitemapProjection,
  buildApp: ({ env, ...parts }) =>
    buildApp({ ...parts, publicUrl: env.url('PUBLIC_URL', 'https://news.fairflax.example') }),
};

export const startSitemap = (options: ReadServiceOptions) => startReadService(sitemap, options);
