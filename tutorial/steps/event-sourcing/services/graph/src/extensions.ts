import type { GraphExtension } from './extension.js';

/** What graph serves beside its read model and search index. */
export const GRAPH_EXTENSIONS: readonly GraphExtension[] = [];
