import type { BatchEvent } from '@fairflax/kafka-streams';
import type { Registry } from '@fairflax/service-kit';
import { streamMetrics } from './stream-metrics.js';

/** What the stream processor's metrics read beside the batches reported to them. */
export interface StreamMetricParts {
  /** This instance's input partitions per task, as of the last rebalance. */
  assignment: () => Record<string, readonly number[]>;
}

/** Registers its metrics in `registry`; returns what each task's batches are reported to. */
export type MetricsExtension = (
  registry: Registry,
  parts: StreamMetricParts,
) => (event: BatchEvent) => void;

/** What the stream processor measures beside the process. */
export const metricsExtensions: MetricsExtension[] = [streamMetrics];
