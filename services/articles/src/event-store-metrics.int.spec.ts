import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NewEvent } from '@fairflax/event-store';
import { openSqliteEventStore, type SqliteEventStore } from '@fairflax/event-store-sqlite';
import { createMetricsRegistry } from '@fairflax/service-kit';
import { afterEach, describe, expect, it } from 'vitest';
import { eventStoreMetrics } from './event-store-metrics.js';

const directories: string[] = [];
const stores: SqliteEventStore[] = [];

afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()));
  for (const dir of directories.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function openStore(): SqliteEventStore {
  const dir = mkdtempSync(join(tmpdir(), 'articles-metrics-'));
  directories.push(dir);
  const store = openSqliteEventStore(join(dir, 'events.sqlite'));
  stores.push(store);
  return store;
}

let ids = 0;
const newEvent = (): NewEvent => ({
  eventId: `event-${++ids}`,
  type: 'ArticleDrafted',
  schemaVersion: 1,
  data: new Uint8Array([1]),
  metadata: {},
});

/** The value of one sample line of the exposition, `undefined` when absent. */
function sample(text: string, line: string): number | undefined {
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  return found === undefined ? undefined : Number(found.slice(line.length + 1));
}

describe("articles' event store metrics", () => {
  it('count appends per group commit and time each append to its commit', async () => {
    const store = openStore();
    const registry = createMetricsRegistry();
    eventStoreMetrics(registry, { store });
    await Promise.all([
      store.append('article-1', 'no_stream', [newEvent()]),
      store.append('article-2', 'no_stream', [newEvent(), newEvent()]),
      store.append('article-3', 'no_stream', [newEvent()]),
    ]);
    await store.append('article-1', 1, [newEvent()]);
    const text = await registry.metrics();
    expect(sample(text, 'fairflax_event_store_group_commit_appends_count')).toBe(2);
    expect(sample(text, 'fairflax_event_store_group_commit_appends_sum')).toBe(4);
    expect(sample(text, 'fairflax_event_store_group_commit_appends_bucket{le="1"}')).toBe(1);
    expect(sample(text, 'fairflax_event_store_group_commit_appends_bucket{le="4"}')).toBe(2);
    expect(sample(text, 'fairflax_event_store_append_duration_seconds_count')).toBe(4);
    expect(sample(text, 'fairflax_event_store_head_position')).toBe(5);
  });

  it('show how far the relay is behind the head, and no relay lag without a relay', async () => {
    const store = openStore();
    await store.append('article-1', 'no_stream', [newEvent(), newEvent(), newEvent()]);
    const without = createMetricsRegistry();
    eventStoreMetrics(without, { store });
    expect(await without.metrics()).not.toContain('fairflax_relay_lag_events');
    let relayed = 1;
    const registry = createMetricsRegistry();
    const relay = { stopped: Promise.resolve(), status: () => ({ position: relayed }) };
    eventStoreMetrics(registry, { store, relay });
    expect(sample(await registry.metrics(), 'fairflax_relay_lag_events')).toBe(2);
    relayed = 3;
    expect(sample(await registry.metrics(), 'fairflax_relay_lag_events')).toBe(0);
  });

  it('stop observing commits once stopped', async () => {
    const store = openStore();
    const registry = createMetricsRegistry();
    const stop = eventStoreMetrics(registry, { store });
    stop();
    await store.append('article-1', 'no_stream', [newEvent()]);
    const text = await registry.metrics();
    expect(sample(text, 'fairflax_event_store_group_commit_appends_count')).toBe(0);
    expect(sample(text, 'fairflax_event_store_head_position')).toBe(1);
  });
});
