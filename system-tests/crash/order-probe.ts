import { join } from 'node:path';
import type { StoredEvent } from '@fairflax/event-store';
import type { Projection } from '@fairflax/projections';
import { rebuildReadModel } from './rebuild.js';
import type { ReadServiceName } from './types.js';

export interface AlternativeFold {
  order: string;
  path: string;
}

const isAuthor = (e: StoredEvent) => e.streamId.startsWith('author-');

/**
 * Folds the store with each whole topic first, orders a consumer may see: tells ordering effects
 * of a projection from events lost or applied twice, and hides neither.
 */
export function foldInOtherOrders(
  service: ReadServiceName,
  projection: Projection,
  events: readonly StoredEvent[],
  dir: string,
): AlternativeFold[] {
  const authors = events.filter(isAuthor);
  const articles = events.filter((e) => !isAuthor(e));
  const orders: [string, StoredEvent[]][] = [
    ['authors first', [...authors, ...articles]],
    ['articles first', [...articles, ...authors]],
  ];
  return orders.map(([order, reordered]) => {
    const path = join(dir, `${service}-${order.replace(' ', '-')}.sqlite`);
    // One source per topic: the runner would skip an author event after a later article one.
    rebuildReadModel(path, projection, reordered, (e) => (isAuthor(e) ? 'author' : 'article'));
    return { order, path };
  });
}
