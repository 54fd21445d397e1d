import type { RunningRelay } from '@fairflax/event-store';
import type { SqliteEventStore } from '@fairflax/event-store-sqlite';
import type { Registry } from '@fairflax/service-kit';

/** What articles' metrics read: its event store and, when the transport has one, the relay. */
export interface ArticlesMetricParts {
  store: SqliteEventStore;
  relay?: RunningRelay;
}

/** Registers its metrics in `registry`; returns what stops them. */
export type MetricsExtension = (registry: Registry, parts: ArticlesMetricParts) => () => void;

/** What articles measures beside its gRPC calls and the process. */
export const metricsExtensions: MetricsExtension[] = [];
