/** `pnpm dead-letters <graph|rss|sitemap> list|replay ...`, while the service runs or not. */
import { deadLettersMain } from '@fairflax/operations';
import { readModelNamed } from './read-models.js';

deadLettersMain(readModelNamed('dead-letters', '<list|replay> [options]'), process.argv.slice(3));
