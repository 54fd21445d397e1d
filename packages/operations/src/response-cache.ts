import type { ProjectionRunner } from '@fairflax/projections';
import type { FastifyInstance, FastifyRequest } from 'fastify';

interface Cached {
  generation: number;
  body: Buffer;
  type: string | undefined;
}

/**
 * Keeps the GET answers of `routes` (route patterns such as `/feed/:category`) until the read
 * model commits again (a delivery or a replay), for routes whose answer depends on nothing
 * else. One entry per route and path parameters, and only answers with status 200, so no
 * request can grow it past what exists.
 */
export function responseCache(routes: readonly string[]) {
  return {
    http: (app: FastifyInstance, runner: ProjectionRunner) => {
      const cached = new Map<string, Cached>();
      let generation = 0;
      runner.onCommitted(() => {
        generation++;
      });
      // The generation a request began in: its answer was computed then or later.
      const pending = new WeakMap<FastifyRequest, { key: string; generation: number }>();
      const cachedRoutes = new Set(routes);
      app.addHook('onRequest', (request, reply, done) => {
        const route = request.routeOptions.url;
        if (request.method !== 'GET' || route === undefined || !cachedRoutes.has(route)) {
          return done();
        }
        const key = cacheKey(route, request.params);
        const hit = cached.get(key);
        if (hit?.generation === generation) {
          if (hit.type !== undefined) reply.type(hit.type);
          reply.send(hit.body);
          return;
        }
        pending.set(request, { key, generation });
        done();
      });
      app.addHook('onSend', (request, reply, payload, done) => {
        const begun = pending.get(request);
        if (
          begun !== undefined &&
          reply.statusCode === 200 &&
          (typeof payload === 'string' || Buffer.isBuffer(payload))
        ) {
          const type = reply.getHeader('content-type');
          const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
          cached.set(begun.key, {
            generation: begun.generation,
            body,
            type: typeof type === 'string' ? type : undefined,
          });
          // The same bytes, so this answer is not encoded a second time.
          return done(null, body);
        }
        done(null, payload);
      });
    },
  };
}

function cacheKey(route: string, params: unknown): string {
  const values = Object.values(params as Record<string, string>);
  return values.length === 0 ? route : `${route} ${JSON.stringify(values)}`;
}
