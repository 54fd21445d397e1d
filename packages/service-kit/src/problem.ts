import { METHODS, STATUS_CODES } from 'node:http';

/** RFC 9457: the body of every 4xx/5xx of our HTTP services. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

export function problem(status: number, title?: string, detail?: string): Problem {
  return {
    type: 'about:blank',
    title: title ?? STATUS_CODES[status] ?? 'Error',
    status,
    ...(detail !== undefined && { detail }),
  };
}

interface ReplyLike {
  code(statusCode: number): ReplyLike;
  type(contentType: string): ReplyLike;
  header(name: string, value: string): ReplyLike;
  send(payload: unknown): unknown;
}

export function sendProblem(reply: ReplyLike, status: number, title: string, detail?: string) {
  return reply
    .code(status)
    .type('application/problem+json')
    .send(problem(status, title, detail));
}

interface RequestLike {
  method: string;
  url: string;
  log: { error(obj: object, msg: string): void };
}

/** Fastify's messages for these echo the whole URL (up to the header size limit). */
const FRAMEWORK_DETAILS: Record<string, string> = {
  FST_ERR_BAD_URL: 'the URL path is not valid percent-encoded UTF-8',
  FST_ERR_MAX_PARAM_LENGTH: 'a segment of the URL path is longer than this server accepts',
};

/** Client errors fastify raises keep their status and message; anything else is a bare 500. */
export function problemErrorHandler(what: string) {
  return (err: unknown, request: RequestLike, reply: ReplyLike) => {
    const { statusCode, code, message } = (typeof err === 'object' && err !== null ? err : {}) as {
      statusCode?: unknown;
      code?: unknown;
      message?: unknown;
    };
    if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
      const detail =
        (typeof code === 'string' ? FRAMEWORK_DETAILS[code] : undefined) ??
        (typeof message === 'string' ? message : undefined);
      return sendProblem(reply, statusCode, STATUS_CODES[statusCode] ?? 'Bad Request', detail);
    }
    request.log.error({ err }, `${what} failed`);
    return sendProblem(reply, 500, 'Internal Server Error');
  };
}

interface AppLike {
  setErrorHandler(handler: ReturnType<typeof problemErrorHandler>): unknown;
  setNotFoundHandler(handler: (request: RequestLike, reply: ReplyLike) => unknown): unknown;
  findRoute(route: { method: string; url: string }): unknown;
}

/** 405 with `Allow` for a path served under other methods (fastify itself answers 404). */
function notFoundHandler(app: AppLike) {
  return (request: RequestLike, reply: ReplyLike) => {
    const path = request.url.split('?', 1)[0] ?? '/';
    let allowed: string[] = [];
    try {
      decodeURIComponent(path);
      allowed = METHODS.filter((method) => app.findRoute({ method, url: path }) !== null);
    } catch {
      // Not a path fastify can decode, so no route serves it under any method.
    }
    if (allowed.length === 0) {
      return sendProblem(reply, 404, 'Not Found', 'nothing is served at this path');
    }
    reply.header('allow', allowed.join(', '));
    const detail = `${request.method} is not served at this path; ${allowed.join(', ')} are`;
    return sendProblem(reply, 405, 'Method Not Allowed', detail);
  };
}

interface SocketLike {
  destroyed: boolean;
  writable: boolean;
  write(chunk: string): unknown;
  destroy(error?: Error): unknown;
}

const CLIENT_ERRORS: Record<string, [status: number, detail: string]> = {
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'the request did not arrive in time'],
  HPE_HEADER_OVERFLOW: [431, 'the request line and headers are larger than this server accepts'],
};

/** For node's `clientError` (HTTP parsing could not finish); the connection is closed after. */
export function problemClientError(err: Error & { code?: string }, socket: SocketLike): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, detail] = CLIENT_ERRORS[err.code ?? ''] ?? [400, 'the request is not valid HTTP'];
  const body = JSON.stringify(problem(status, undefined, detail));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
        `Content-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `Connection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(err);
}

/** Spread `serverOptions` into `Fastify({...})` (errors before routing), then `install(app)`. */
export function problemResponses(what: string) {
  const errorHandler = problemErrorHandler(what);
  return {
    serverOptions: {
      // Typed generic over the route; it gets the same request and reply as the error handler.
      frameworkErrors: errorHandler as (err: unknown, request: unknown, reply: unknown) => void,
      clientErrorHandler: problemClientError,
    },
    install(app: AppLike): void {
      app.setErrorHandler(errorHandler);
      app.setNotFoundHandler(notFoundHandler(app));
    },
  };
}
