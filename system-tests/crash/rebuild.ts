import type { StoredEvent } from '@fairflax/event-store';
import { openReadModel, ProjectionRunner, type Projection } from '@fairflax/projections';

/**
 * Folds `events`, in the order given, into a fresh read model at `path` with the service's own
 * projection and the same runner it uses. `sourceOf` names the ordered sequence each event comes
 * from: the runner skips a position at or below its source's last, so events handed over out of
 * global order need one source per sequence (per topic).
 */
export function rebuildReadModel(
  path: string,
  projection: Projection,
  events: readonly StoredEvent[],
  sourceOf: (event: StoredEvent) => string = () => 'log',
): void {
  const db = openReadModel(path);
  try {
    const runner = new ProjectionRunner(db, projection);
    for (let i = 0; i < events.length; i += 1_000) {
      runner.applyBatch(
        events
          .slice(i, i + 1_000)
          .map((event) => ({ source: sourceOf(event), position: event.globalPosition, event })),
      );
    }
  } finally {
    db.close();
  }
}

/** Each article stream's version in the store, by article id. */
export function articleVersions(events: readonly StoredEvent[]): Map<string, number> {
  const versions = new Map<string, number>();
  for (const e of events) {
    if (e.streamId.startsWith('article-'))
      versions.set(e.streamId.slice('article-'.length), e.streamVersion);
  }
  return versions;
}
