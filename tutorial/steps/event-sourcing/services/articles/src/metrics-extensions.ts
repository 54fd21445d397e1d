import type { EventStore, RunningRelay } from '@fairflax/event-store';
import type { Registry } from '@fairflax/service-kit';

export interface ArticlesMetricParts {
  store: EventStore;
  relay?: RunningRelay;
}

/** Registers its metrics; returns what stops them. */
export type MetricsExtension = (registry: Registry, parts: ArticlesMetricParts) => () => void;

/** What articles measures beside its gRPC calls and the process. */
export const metricsExtensions: MetricsExtension[] = [];
