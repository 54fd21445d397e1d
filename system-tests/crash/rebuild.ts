import type { StoredEvent } from '@fairflax/event-store';
import { openReadModel, ProjectionRunner, type Projection } from '@fairflax/projections';

/** The runner skips positions at or below a source's last: reordered events need one per topic. */
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

export function articleVersions(events: readonly StoredEvent[]): Map<string, number> {
  const versions = new Map<string, number>();
  for (const e of events) {
    if (e.streamId.startsWith('article-'))
      versions.set(e.streamId.slice('article-'.length), e.streamVersion);
  }
  return versions;
}
