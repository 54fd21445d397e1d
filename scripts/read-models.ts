import { graphProjection } from '@fairflax/graph/projection';
import type { ReadModelOf } from '@fairflax/operations';
import { rss } from '@fairflax/rss/service';
import { sitemap } from '@fairflax/sitemap/service';

const READ_MODELS: readonly ReadModelOf[] = [
  // The search index needs no rebuild of its own: graph fills it from SQLite when it starts.
  { name: 'graph', projection: () => graphProjection },
  rss,
  sitemap,
];

/** The read model a command names first; otherwise the usage, and exit status 2. */
export function readModelNamed(command: string, usage: string): ReadModelOf {
  const name = process.argv[2];
  const found = READ_MODELS.find((m) => m.name === name);
  if (found) return found;
  const names = READ_MODELS.map((m) => m.name).join('|');
  console.error(
    `${name === undefined ? 'missing read model' : `unknown read model "${name}"`}\n` +
      `usage: pnpm ${command} <${names}> ${usage}`,
  );
  process.exit(2);
}
