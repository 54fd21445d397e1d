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
      // The position an answer was computed at, or later: what the request saw when it began.
      const startedAt = new WeakMap<FastifyRequest, number>();
      const keyOf = (request: FastifyRequest) => {
        const route = request.routeOptions.url;
        return request.method === 'GET' && route !== undefined && routes.includes(route)
          ? `${route} ${JSON.stringify(request.params)}`
          : undefined;
      };
      app.addHook('onRequest', async (request, reply) => {
        const key = keyOf(request);
        if (key === undefined) return;
        const position = runner.globalPosition();
        const hit = cached.get(key);
        if (hit?.position === position) {
          if (hit.type !== undefined) reply.type(hit.type);
          return reply.send(hit.body);
        }
        startedAt.set(request, position);
      });
      app.addHook('onSend', async (request, reply, payload) => {
        const position = startedAt.get(request);
        const key = keyOf(request);
        if (
          position !== undefined &&
          key !== undefined &&
          reply.statusCode === 200 &&
          (typeof payload === 'string' || Buffer.isBuffer(payload))
        ) {
          const type = reply.getHeader('content-type');
          cached.set(key, {
            position,
            body: typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload,
            type: typeof type === 'string' ? type : undefined,
          });
        }
        return payload;
      });
    },
  };
}
