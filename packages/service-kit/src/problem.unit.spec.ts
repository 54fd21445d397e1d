import { describe, expect, it, vi } from 'vitest';
import { problemClientError, problemErrorHandler, problemResponses } from './problem.js';

/** Records what a handler answers, as a fastify reply would carry it. */
function fakeReply() {
  const reply = {
    status: 200,
    headers: {} as Record<string, string>,
    body: undefined as unknown,
    code(status: number) {
      reply.status = status;
      return reply;
    },
    type(contentType: string) {
      reply.headers['content-type'] = contentType;
      return reply;
    },
    header(name: string, value: string) {
      reply.headers[name] = value;
      return reply;
    },
    send(payload: unknown) {
      reply.body = payload;
      return reply;
    },
  };
  return reply;
}

const fakeRequest = (method = 'GET', url = '/') => ({ method, url, log: { error: vi.fn() } });

describe('problemErrorHandler', () => {
  it('keeps the status and message of a client error', () => {
    const reply = fakeReply();
    const err = Object.assign(new Error('Request body is too large'), { statusCode: 413 });
    problemErrorHandler('feed')(err, fakeRequest(), reply);
    expect(reply.status).toBe(413);
    expect(reply.headers['content-type']).toBe('application/problem+json');
    expect(reply.body).toEqual({
      type: 'about:blank',
      title: 'Payload Too Large',
      status: 413,
      detail: 'Request body is too large',
    });
  });

  it("gives fastify's URL errors a detail of their own instead of echoing the URL", () => {
    for (const [code, statusCode] of [
      ['FST_ERR_BAD_URL', 400],
      ['FST_ERR_MAX_PARAM_LENGTH', 414],
    ] as const) {
      const reply = fakeReply();
      const err = Object.assign(new Error(`'/feed/${'a'.repeat(5000)}' is bad`), {
        code,
        statusCode,
      });
      problemErrorHandler('feed')(err, fakeRequest(), reply);
      expect(reply.status).toBe(statusCode);
      expect(reply.body).toMatchObject({ status: statusCode, detail: expect.any(String) });
      expect((reply.body as { detail: string }).detail).not.toContain('aaaa');
    }
  });

  it('logs anything else, including what is not an Error, and answers a bare 500', () => {
    for (const err of [new Error('secret detail'), null, 'a string', { statusCode: 503 }]) {
      const reply = fakeReply();
      const request = fakeRequest();
      problemErrorHandler('feed')(err, request, reply);
      expect(reply.status).toBe(500);
      expect(reply.body).toEqual({
        type: 'about:blank',
        title: 'Internal Server Error',
        status: 500,
      });
      expect(request.log.error).toHaveBeenCalledWith({ err }, 'feed failed');
    }
  });
});

describe('problemResponses', () => {
  function installed(routes: Record<string, string[]>) {
    const handlers: { notFound?: (request: any, reply: any) => unknown; error?: unknown } = {};
    problemResponses('feed').install({
      setErrorHandler: (handler) => (handlers.error = handler),
      setNotFoundHandler: (handler) => (handlers.notFound = handler),
      findRoute: ({ method, url }) => (routes[url]?.includes(method) ? {} : null),
    });
    return handlers;
  }

  it('answers 404 problem+json where no route serves the path under any method', () => {
    const { notFound, error } = installed({ '/feed': ['GET', 'HEAD'] });
    expect(error).toBeTypeOf('function');
    const reply = fakeReply();
    notFound!(fakeRequest('GET', '/nope?x=1'), reply);
    expect(reply.status).toBe(404);
    expect(reply.headers['content-type']).toBe('application/problem+json');
    expect(reply.body).toMatchObject({ type: 'about:blank', title: 'Not Found', status: 404 });
  });

  it('answers 405 with Allow where the path is served under other methods', () => {
    const { notFound } = installed({ '/feed': ['GET', 'HEAD'] });
    const reply = fakeReply();
    notFound!(fakeRequest('DELETE', '/feed?x=1'), reply);
    expect(reply.status).toBe(405);
    expect(reply.headers.allow).toBe('GET, HEAD');
    expect(reply.body).toMatchObject({ title: 'Method Not Allowed', status: 405 });
  });

  it('answers 404 for a path that is not valid percent-encoding, without looking up routes', () => {
    const { notFound } = installed({ '/%E0%A4%A': ['GET'] });
    const reply = fakeReply();
    notFound!(fakeRequest('POST', '/%E0%A4%A'), reply);
    expect(reply.status).toBe(404);
  });

  it('hands fastify options answering framework and connection errors in problem+json', () => {
    const { serverOptions } = problemResponses('feed');
    expect(serverOptions.clientErrorHandler).toBe(problemClientError);
    const reply = fakeReply();
    const err = Object.assign(new Error('x'), { code: 'FST_ERR_BAD_URL', statusCode: 400 });
    serverOptions.frameworkErrors(err, fakeRequest(), reply);
    expect(reply.status).toBe(400);
    expect(reply.headers['content-type']).toBe('application/problem+json');
  });
});

describe('problemClientError', () => {
  function fakeSocket(state: Partial<{ destroyed: boolean; writable: boolean }> = {}) {
    return {
      destroyed: false,
      writable: true,
      written: [] as string[],
      destroyedWith: undefined as Error | undefined,
      ...state,
      write(chunk: string) {
        this.written.push(chunk);
      },
      destroy(error?: Error) {
        this.destroyedWith = error;
      },
    };
  }

  const answer = (raw: string) => {
    const [head = '', body = ''] = raw.split('\r\n\r\n');
    const [statusLine, ...headers] = head.split('\r\n');
    return { statusLine, headers, body: JSON.parse(body) };
  };

  it.each([
    ['HPE_INVALID_METHOD', 400, 'Bad Request'],
    ['HPE_HEADER_OVERFLOW', 431, 'Request Header Fields Too Large'],
    ['ERR_HTTP_REQUEST_TIMEOUT', 408, 'Request Timeout'],
  ])('answers %s with %i problem+json and closes the connection', (code, status, title) => {
    const socket = fakeSocket();
    const err = Object.assign(new Error('parse error'), { code });
    problemClientError(err, socket);
    expect(socket.written).toHaveLength(1);
    const { statusLine, headers, body } = answer(socket.written[0]!);
    expect(statusLine).toBe(`HTTP/1.1 ${status} ${title}`);
    expect(headers).toContain('Content-Type: application/problem+json; charset=utf-8');
    expect(headers).toContain('Connection: close');
    expect(headers).toContain(`Content-Length: ${JSON.stringify(body).length}`);
    expect(body).toMatchObject({ type: 'about:blank', title, status, detail: expect.any(String) });
    expect(socket.destroyedWith).toBe(err);
  });

  it('writes nothing to a connection that was reset or is gone', () => {
    const reset = fakeSocket();
    problemClientError(Object.assign(new Error('reset'), { code: 'ECONNRESET' }), reset);
    const gone = fakeSocket({ destroyed: true });
    problemClientError(new Error('late'), gone);
    expect([...reset.written, ...gone.written]).toEqual([]);
  });
});
