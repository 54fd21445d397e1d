import type { Registry } from '@fairflax/service-kit';
import { eventStoreMetrics, type ArticlesMetricParts } from './event-store-metrics.js';

/** Registers its metrics; returns what stops them. */
export type MetricsExtension = (registry: Registry, parts: ArticlesMetricParts) => () => void;

/** What articles measures beside its gRPC calls and the process. */
export const metricsExtensions: MetricsExtension[] = [eventStoreMetrics];
