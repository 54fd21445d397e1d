import type { GraphExtension } from '../extension.js';
import { loadAssets, serveAssets } from './assets.js';
import { servePositions } from './positions.js';

export const EXPLORER_PATH = '/explorer';

/**
 * The event explorer: a page at /explorer over graph's `events`, `article(asOf)` and
 * `eventAppended`, and the read services' positions at /explorer/positions.
 */
export const eventExplorer: GraphExtension = {
  typeDefs: '',
  open({ env }) {
    // `pnpm start` gives every service the same environment, so their ports are known here.
    const services = {
      rss: env.url('RSS_URL', `http://127.0.0.1:${env.port('RSS_PORT', 4002)}`),
      sitemap: env.url('SITEMAP_URL', `http://127.0.0.1:${env.port('SITEMAP_PORT', 4003)}`),
    };
    const timeoutMs = env.int('EXPLORER_HEALTH_TIMEOUT_MS', 1_000, { min: 50, max: 10_000 });
    const assets = loadAssets();
    return Promise.resolve({
      resolvers: {},
      http: (app) => {
        serveAssets(app, EXPLORER_PATH, assets);
        servePositions(app, `${EXPLORER_PATH}/positions`, { services, timeoutMs, reuseMs: 1_000 });
      },
      close: () => Promise.resolve(),
    });
  },
};
