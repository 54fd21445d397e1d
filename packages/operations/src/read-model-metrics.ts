import type { FollowedSource } from '@fairflax/event-store';
import type { ProjectionRunner } from '@fairflax/projections';
import { Counter, Gauge, type Registry } from '@fairflax/service-kit';
import { countDeadLetters } from './dead-letter-store.js';

export interface ReadModelMetricsOptions {
  /** The `read_model` label: the read service's name. */
  readModel: string;
  /** Whose rows of `dead_letters` count. */
  projection: string;
  now?: () => number;
}

/**
 * A read model's progress on the log. Values that the runner or the source already hold are
 * read when scraped; only applied events are counted as they commit. Lag in seconds is how
 * long the read model has been seen behind the log's end (0 when caught up): seen at each
 * commit and each scrape, so it errs short, never long.
 */
export function measureReadModel(
  registry: Registry,
  runner: ProjectionRunner,
  source: FollowedSource,
  { readModel, projection, now = Date.now }: ReadModelMetricsOptions,
): () => void {
  const registers = [registry];
  const labelNames = ['read_model'] as const;
  const labels = { read_model: readModel };
  let behindSince: number | undefined;
  const backlog = () => source.backlog?.(runner) ?? new Map<string, number>();
  const lagEvents = () => {
    let behind = 0;
    for (const events of backlog().values()) behind += events;
    if (behind === 0) behindSince = undefined;
    else behindSince ??= now();
    return behind;
  };
  const applied = new Counter({
    name: 'fairflax_read_model_events_applied_total',
    help: 'Events applied to the read model (replayed dead letters included)',
    labelNames,
    registers,
  });
  applied.inc(labels, 0);
  const stopCounting = runner.onCommitted((events) => {
    applied.inc(labels, events.length);
    lagEvents();
  });
  new Gauge({
    name: 'fairflax_read_model_position',
    help: 'Highest global position of the log the read model has applied',
    labelNames,
    registers,
    collect() {
      this.set(labels, runner.globalPosition());
    },
  });
  new Gauge({
    name: 'fairflax_read_model_lag_events',
    help: "Events on the log the read model has not applied, as of the log's end last seen",
    labelNames,
    registers,
    collect() {
      this.set(labels, lagEvents());
    },
  });
  new Gauge({
    name: 'fairflax_read_model_lag_seconds',
    help: 'How long the read model has been seen behind the end of the log; 0 when caught up',
    labelNames,
    registers,
    collect() {
      this.set(labels, lagEvents() === 0 ? 0 : (now() - (behindSince ?? now())) / 1000);
    },
  });
  new Gauge({
    name: 'fairflax_consumer_lag_events',
    help: 'Events not applied yet per source: the embedded feed `log`, or a Kafka `topic/partition`',
    labelNames: ['read_model', 'source'],
    registers,
    collect() {
      this.reset();
      for (const [from, events] of backlog()) this.set({ ...labels, source: from }, events);
    },
  });
  new Gauge({
    name: 'fairflax_read_model_dead_letters_parked',
    help: 'Events parked as dead letters, waiting for a replay',
    labelNames,
    registers,
    collect() {
      this.set(labels, countDeadLetters(runner.db, projection));
    },
  });
  feedMetrics(registers, labels, source);
  return stopCounting;
}

/** The connection to the log, from what the source's status tells. */
function feedMetrics(
  registers: Registry[],
  labels: { read_model: string },
  source: FollowedSource,
) {
  const status = () => source.status() as { connected?: unknown; reconnects?: unknown };
  let counted = 0;
  const reconnects = new Counter({
    name: 'fairflax_read_model_feed_reconnects_total',
    help: 'Times the connection to the log was made again after it was lost',
    labelNames: ['read_model'],
    registers,
    collect() {
      const { reconnects: seen } = status();
      if (typeof seen === 'number' && seen > counted) {
        this.inc(labels, seen - counted);
        counted = seen;
      }
    },
  });
  reconnects.inc(labels, 0);
  new Gauge({
    name: 'fairflax_read_model_feed_connected',
    help: '1 while the read model is connected to the log',
    labelNames: ['read_model'],
    registers,
    collect() {
      this.set(labels, status().connected === true ? 1 : 0);
    },
  });
}
