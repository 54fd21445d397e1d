import { describe, expect, it } from 'vitest';
import { eventStoreContract } from './contract.js';
import { InMemoryEventStore } from './in-memory.js';

eventStoreContract(
  'InMemoryEventStore',
  () => Promise.resolve({ store: new InMemoryEventStore() }),
  {
    persistent: false,
  },
);

describe('InMemoryEventStore', () => {
  it('stamps events with the time of its clock', async () => {
    const store = new InMemoryEventStore({ now: () => new Date('2026-06-01T08:00:00.000Z') });
    await store.append('article-1', 'no_stream', [
      {
        eventId: 'e1',
        type: 'ArticleDrafted',
        schemaVersion: 1,
        data: new Uint8Array(0),
        metadata: {},
      },
    ]);
    const [stored] = await store.readStream('article-1');
    expect(stored?.recordedAt).toBe('2026-06-01T08:00:00.000Z');
  });
});
