/** `pnpm rebuild-read-model <graph|rss|sitemap> [--articles host:port] [--db path]`; stop the service first. */
import { rebuildMain } from '@fairflax/operations';
import { readModelNamed } from './read-models.js';

rebuildMain(
  readModelNamed('rebuild-read-model', '[--articles host:port] [--db path]'),
  process.argv.slice(3),
);
