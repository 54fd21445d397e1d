import { Gauge, Histogram, type Registry } from '@fairflax/service-kit';
import type { ArticlesMetricParts } from './metrics-extensions.js';

/**
 * The write side's numbers: how long an append waits for its commit, how many appends each
 * group commit carries, the log's head and how far the relay is behind it. Positions are read
 * when scraped, so they cost nothing between scrapes.
 */
export function eventStoreMetrics(registry: Registry, { store, relay }: ArticlesMetricParts) {
  const registers = [registry];
  const appendSeconds = new Histogram({
    name: 'fairflax_event_store_append_duration_seconds',
    help: 'Time from an append call to the commit that stored it',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers,
  });
  const groupSize = new Histogram({
    name: 'fairflax_event_store_group_commit_appends',
    help: 'Appends stored per group commit (one SQLite transaction)',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
    registers,
  });
  const stopListening = store.onGroupCommit(({ appends, appendSeconds: each }) => {
    groupSize.observe(appends);
    for (const seconds of each) appendSeconds.observe(seconds);
  });
  new Gauge({
    name: 'fairflax_event_store_head_position',
    help: 'Global position of the last event stored',
    registers,
    async collect() {
      this.set(await store.headPosition());
    },
  });
  if (relay !== undefined)
    new Gauge({
      name: 'fairflax_relay_lag_events',
      help: 'Events stored but not yet relayed onto the broker',
      registers,
      async collect() {
        this.set(Math.max(0, (await store.headPosition()) - relay.status().position));
      },
    });
  return stopListening;
}
