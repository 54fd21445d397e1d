import type { GraphExtension } from './extension.js';
import { articleStats } from './stats.js';

/** What graph serves beside its read model and search index. */
export const GRAPH_EXTENSIONS: readonly GraphExtension[] = [articleStats];
