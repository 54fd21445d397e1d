import type { FollowedSource } from '@fairflax/event-store';
import type { ProjectionRunner } from '@fairflax/projections';
import type { Logger } from '@fairflax/service-kit';
import type { FastifyInstance } from 'fastify';
import { deadLetterReporter } from './dead-letter-reporter.js';
import { DeadLetterParking, pollReplayRequests } from './dead-letters.js';
import { readYourWritesHook } from './read-your-writes.js';

const HEALTH_PATH = '/healthz';

/**
 * Dead letters for a read service: parks what its projection rejects (with a warning, and a
 * copy on the transport's dead-letter topic when it has one) and replays what the
 * `dead-letters replay` command marks.
 */
export function deadLetters(context: { service: string; projection: string; logger: Logger }) {
  const { service, projection, logger } = context;
  const reporter = deadLetterReporter(service, logger);
  const parking = new DeadLetterParking(projection, { onParked: reporter.onParked });
  return {
    middleware: parking,
    follow: (runner: ProjectionRunner, source: FollowedSource) => {
      reporter.forwardTo(source);
      const stopPolling = pollReplayRequests(parking, runner, logger);
      return async () => {
        stopPolling();
        await reporter.settled();
      };
    },
  };
}

/**
 * Read-your-writes on every route of a read service but its health check, which must answer at
 * once: `X-Min-Position` waits for a position.
 */
export function readYourWrites() {
  return {
    http: (app: FastifyInstance, runner: ProjectionRunner) => {
      const hook = readYourWritesHook(runner);
      app.addHook('onRequest', (request, reply, done) => {
        if (request.routeOptions.url === HEALTH_PATH) return done();
        const waiting = hook(request, reply);
        if (waiting === undefined) {
          if (!reply.sent) done();
          return;
        }
        waiting.then(() => {
          if (!reply.sent) done();
        }, done);
      });
    },
  };
}
