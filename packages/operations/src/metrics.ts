import type { FollowedSource } from '@fairflax/event-store';
import type { ProjectionRunner } from '@fairflax/projections';
import { createMetricsRegistry } from '@fairflax/service-kit';
import type { FastifyInstance } from 'fastify';
import { serveHttpMetrics } from './http-metrics.js';
import { measureReadModel } from './read-model-metrics.js';

/**
 * Prometheus metrics for a read service, at `GET /metrics` on its own port: its read model's
 * progress and lag, its HTTP requests per route, and the process. A registry of its own, so
 * that services sharing a process (tests, one-process mode) each show only theirs.
 */
export function metrics(context: { service: string; projection: string }) {
  const registry = createMetricsRegistry();
  return {
    follow: (runner: ProjectionRunner, source: FollowedSource) => {
      const stop = measureReadModel(registry, runner, source, {
        readModel: context.service,
        projection: context.projection,
      });
      return () => {
        stop();
        return Promise.resolve();
      };
    },
    http: (app: FastifyInstance) => serveHttpMetrics(app, registry),
  };
}
