/**
 * `pnpm rebuild-read-model <graph|rss|sitemap> --live`: the running service rebuilds while it serves.
 * `pnpm rebuild-read-model <graph|rss|sitemap> [--articles host:port] [--db path]`: stop it first.
 */
import { rebuildMain } from '@fairflax/operations';
import { readModelNamed } from './read-models.js';

rebuildMain(
  readModelNamed('rebuild-read-model', '--live | [--articles host:port] [--db path]'),
  process.argv.slice(3),
);
