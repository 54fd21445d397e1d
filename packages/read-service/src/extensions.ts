import { deadLetters, metrics, readYourWrites, responseCache } from '@fairflax/operations';
import type { ReadSideContext, ReadSideExtension } from './read-side.js';

/** Answers that change only when the read model moves: rss's feeds and the full sitemap. */
const CACHED_UNTIL_MOVED = ['/feed', '/feed/:category', '/sitemap'];

/** What a read service runs beside its projection. */
export const readSideExtensions = (context: ReadSideContext): ReadSideExtension[] => [
  deadLetters(context),
  readYourWrites(),
  responseCache(CACHED_UNTIL_MOVED),
  metrics(context),
];
