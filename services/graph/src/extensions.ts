import type { GraphExtension } from './extension.js';
import { eventExplorer } from './explorer/explorer.js';
import { answerCache } from './query-cache.js';
import { articleStats } from './stats.js';
import { liveSubscriptions } from './subscriptions.js';

/** What graph serves beside its read model and search index. */
export const GRAPH_EXTENSIONS: readonly GraphExtension[] = [
  articleStats,
  answerCache,
  liveSubscriptions,
  eventExplorer,
];
