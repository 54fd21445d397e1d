import { busEventSource, memoryCheckpoint, relayEvents } from '../index.js';
import { InMemoryEventStore } from '@fairflax/event-store';
import { authorStream, encodeEvent, type FairflaxEvent } from '@fairflax/events';
import { openReadModel, ProjectionRunner, type Projection } from '@fairflax/projections';
import { describe, expect, it } from 'vitest';
import { InProcessBus } from './in-process-bus.js';

/** Read model: author id -> name, plus how many events it applied. */
const namesProjection: Projection = {
  name: 'names',
  migrate: (db) =>
    db.exec(
      'CREATE TABLE IF NOT EXISTS names (id TEXT PRIMARY KEY, name TEXT, applied INTEGER) STRICT',
    ),
  apply: (db, { event }) => {
    if (event.type === 'AuthorRegistered' || event.type === 'AuthorRenamed') {
      db.prepare(
        'INSERT INTO names VALUES (?, ?, 1) ON CONFLICT (id) DO UPDATE SET name = excluded.name, applied = applied + 1',
      ).run(event.data.authorId, event.data.name);
    }
  },
};

async function appendAuthors(
  store: InMemoryEventStore,
  prefix: string,
  count: number,
  renames: number,
) {
  for (let i = 0; i < count; i++) {
    const events: FairflaxEvent[] = [
      {
        type: 'AuthorRegistered',
        data: { authorId: `${prefix}${i}`, name: `n${i}`, registeredAt: 't' },
      },
    ];
    for (let r = 1; r <= renames; r++) {
      events.push({
        type: 'AuthorRenamed',
        data: { authorId: `${prefix}${i}`, name: `n${i}-${r}`, previousName: '', renamedAt: 't' },
      });
    }
    await store.append(
      authorStream(`${prefix}${i}`),
      'no_stream',
      events.map((e, k) => ({ eventId: `${prefix}${i}-${k}`, ...encodeEvent(e), metadata: {} })),
    );
  }
}

const until = async (check: () => boolean) => {
  const deadline = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('relaying the event store over the in-process bus', () => {
  it('delivers every event to a projection in per-stream order, and a replayed relay changes nothing', async () => {
    const store = new InMemoryEventStore();
    const bus = new InProcessBus({ partitions: 3, maxBatch: 7 });
    await appendAuthors(store, 'a', 20, 2);
    const runner = new ProjectionRunner(openReadModel(':memory:'), namesProjection);
    const following = new AbortController();
    const source = busEventSource(bus, { topics: ['author'], group: 'names' });
    let delivered = 0;
    const consuming = runner.run(
      {
        async *batches(from, signal) {
          for await (const batch of source.batches(from, signal)) {
            delivered += batch.length;
            yield batch;
          }
        },
      },
      following.signal,
    );

    const checkpoint = memoryCheckpoint();
    const relaying = new AbortController();
    const relay = relayEvents(store, bus, checkpoint, { signal: relaying.signal });
    await until(() => checkpoint.value === 60);
    await until(() => runner.globalPosition() === 60);

    // A relay that lost its checkpoint (a crash before saving) publishes everything again.
    relaying.abort();
    await relay;
    const replay = new AbortController();
    const again = relayEvents(store, bus, memoryCheckpoint(0), { signal: replay.signal });
    await appendAuthors(store, 'late', 1, 0);
    await until(() => delivered === 60 + 61);
    expect(runner.globalPosition()).toBe(61);

    const rows = runner.db.prepare('SELECT id, name, applied FROM names ORDER BY id').all() as {
      id: string;
      name: string;
      applied: number;
    }[];
    // Each event applied exactly once despite being published twice, and renames in order.
    expect(rows).toHaveLength(21);
    expect(
      rows
        .filter((r) => r.id.startsWith('a'))
        .every((r) => r.applied === 3 && r.name.endsWith('-2')),
    ).toBe(true);
    expect(rows.find((r) => r.id === 'late0')).toEqual({ id: 'late0', name: 'n0', applied: 1 });

    replay.abort();
    following.abort();
    await bus.close();
    await Promise.allSettled([again, consuming]);
  });
});
