import type { ReadSideContext, ReadSideExtension } from './read-side.js';

/** What a read service runs beside its projection. */
export const readSideExtensions: (context: ReadSideContext) => ReadSideExtension[] = () => [];
