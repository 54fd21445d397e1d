import { STATUS_CODES } from 'node:http';

/** RFC 9457 problem details, the body every 4xx/5xx of our HTTP services carries. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
}

interface ReplyLike {
  code(statusCode: number): ReplyLike;
  type(contentType: string): ReplyLike;
  send(payload: unknown): unknown;
}

export function sendProblem(reply: ReplyLike, status: number, title: string, detail?: string) {
  const body: Problem = {
    type: 'about:blank',
    title,
    status,
    ...(detail !== undefined && { detail }),
  };
  return reply.code(status).type('application/problem+json').send(body);
}

interface RequestLike {
  log: { error(obj: object, msg: string): void };
}

/**
 * A fastify error handler answering in problem+json: client errors fastify raises (a malformed
 * URL, say) keep their status and message; anything else is logged and becomes a bare 500.
 */
export function problemErrorHandler(what: string) {
  return (err: unknown, request: RequestLike, reply: ReplyLike) => {
    const code = (err as { statusCode?: unknown }).statusCode;
    if (typeof code === 'number' && code >= 400 && code < 500) {
      return sendProblem(reply, code, STATUS_CODES[code] ?? 'Bad Request', (err as Error).message);
    }
    request.log.error({ err }, `${what} failed`);
    return sendProblem(reply, 500, 'Internal Server Error');
  };
}
