import type { ProjectionRunner } from '@fairflax/projections';
import type { FastifyInstance, FastifyRequest } from 'fastify';

interface Cached {
  position: number;
  body: Buffer;
  type: string | undefined;
}

/**
 * Keeps the GET answers of `routes` (route patterns such as `/feed/:category`) until the read
 * model moves, for routes whose answer depends on nothing else. One entry per route and path
 * parameters, and only answers with status 200, so no request can grow it past what exists.
 */
export function responseCache(routes: readonly string[]) {
  return {
    http: (app: FastifyInstance, runner: ProjectionRunner) => {
      const cached = new Map<string, Cached>();
      // The position a request began at: its answer was computed there or later.
      const pending = new WeakMap<FastifyRequest, { key: string; position: number }>();
      app.addHook('onRequest', async (request, reply) => {
        const route = request.routeOptions.url;
        if (request.method !== 'GET' || route === undefined || !routes.includes(route)) return;
        const key = `${route} ${JSON.stringify(request.params)}`;
        const position = runner.globalPosition();
        const hit = cached.get(key);
        if (hit?.position === position) {
          if (hit.type !== undefined) reply.type(hit.type);
          return reply.send(hit.body);
        }
        pending.set(request, { key, position });
      });
      app.addHook('onSend', async (request, reply, payload) => {
        const begun = pending.get(request);
        if (
          begun !== undefined &&
          reply.statusCode === 200 &&
          (typeof payload === 'string' || Buffer.isBuffer(payload))
        ) {
          const type = reply.getHeader('content-type');
          cached.set(begun.key, {
            position: begun.position,
            body: typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload,
            type: typeof type === 'string' ? type : undefined,
          });
        }
        return payload;
      });
    },
  };
}
