import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// Workspace packages resolve to their TypeScript sources through the "source" export condition.
// graphql ships CommonJS (main) and ESM (module). Node loads the CommonJS one for our code and
// for mercurius alike; Vite would pick the ESM one for our sources, and graphql refuses a
// schema or error from the other copy. Tests load what Node loads. Vitest hands these conditions
// to Node too: with `import` among them, a CommonJS `require('ws')` (mercurius' subscriptions,
// @fastify/websocket) would load ws's ESM wrapper, which lacks `WebSocket.Server`.
const graphql = createRequire(new URL('services/graph/package.json', import.meta.url)).resolve(
  'graphql',
);
const resolve = {
  conditions: ['source', 'node', 'default'],
  alias: [{ find: /^graphql$/, replacement: graphql }],
};

const exclude = ['**/node_modules/**', '**/dist/**'];

export default defineConfig({
  resolve,
  ssr: { resolve: { conditions: resolve.conditions, externalConditions: ['source'] } },
  test: {
    // Integration and end-to-end files mostly wait on servers and child processes: one file per
    // core (vitest's default leaves one core idle, running them one at a time on 2 cores).
    maxWorkers: Math.min(availableParallelism(), 4),
    projects: [
      {
        extends: true,
        // The timeout only guards against a hang: property tests take seconds on a busy machine.
        test: { name: 'unit', include: ['**/*.unit.spec.ts'], exclude, testTimeout: 20_000 },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['**/*.int.spec.ts'],
          exclude,
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['**/*.e2e.spec.ts'],
          exclude,
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
