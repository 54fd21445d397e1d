import {
  startReadService,
  type ReadService,
  type ReadServiceOptions,
} from '@fairflax/read-service';
import type { EnvReader } from '@fairflax/service-kit';
import { buildApp } from './app.js';
import { rssFeedProjection } from './projection.js';

const publicUrl = (env: EnvReader) => env.url('PUBLIC_URL', 'https://news.fairflax.example');

/** RSS 2.0 feeds of the published articles, from rss's own read model. */
export const rss: ReadService = {
  name: 'rss',
  defaultPort: 4002,
  path: '/feed',
  projection: (env) => rssFeedProjection(publicUrl(env)),
  buildApp: ({ env, ...parts }) => buildApp({ ...parts, publicUrl: publicUrl(env) }),
};

export const startRss = (options: ReadServiceOptions) => startReadService(rss, options);
