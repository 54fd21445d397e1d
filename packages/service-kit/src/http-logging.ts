import { LogController, type FastifyBaseLogger } from 'fastify';
import type { Logger } from './logger.js';

type Request = Parameters<LogController['incomingRequest']>[0];
type Reply = Parameters<LogController['incomingRequest']>[1];

/** A line per request only at debug: at info a busy service would log little else. */
class RequestsAtDebug extends LogController {
  override incomingRequest(request: Request): void {
    request.log.debug({ req: request }, 'incoming request');
  }

  override requestCompleted(error: Error | null | undefined, request: Request, reply: Reply): void {
    if (error) super.requestCompleted(error, request, reply);
    else reply.log.debug({ res: reply, responseTime: reply.elapsedTime }, 'request completed');
  }

  override routeNotFound(request: Request): void {
    request.log.debug({ method: request.raw.method, url: request.raw.url }, 'route not found');
  }
}

/** Spread into `Fastify({...})`: the service's own logger, requests logged at debug. */
export function httpLogging(logger: Logger | undefined) {
  if (logger === undefined) return { logger: false } as const;
  return {
    loggerInstance: logger as FastifyBaseLogger,
    logController: new RequestsAtDebug(),
  };
}
