import { Writable } from 'node:stream';
import { createLogger } from '@fairflax/service-kit';
import fc from 'fast-check';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { acceptsGraphqlResponseJson } from './graphql-over-http.js';
import { graphWithOneArticle, recordingCommands } from '../test/support.js';

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
});

async function graph(commandAnswer?: () => Promise<never>) {
  const logged: { level: number; msg: string }[] = [];
  const stream = new Writable({
    write(line: Buffer, _encoding, done) {
      logged.push(JSON.parse(line.toString()) as { level: number; msg: string });
      done();
    },
  });
  ({ app } = await graphWithOneArticle({
    commands: recordingCommands(commandAnswer),
    logger: createLogger('graph', { LOG_LEVEL: 'warn' }, stream),
  }));
  return { app, logged };
}

interface Answer {
  status: number;
  type: string;
  body: { data?: unknown; errors?: { message: string; extensions?: { code?: unknown } }[] };
}

async function send(options: InjectOptions): Promise<Answer> {
  const res = await app!.inject(options);
  return {
    status: res.statusCode,
    type: String(res.headers['content-type']),
    body: res.json<Answer['body']>(),
  };
}

const json = (payload: unknown, headers: Record<string, string> = {}): InjectOptions => ({
  method: 'POST',
  url: '/graphql',
  headers: { 'content-type': 'application/json', ...headers },
  payload: JSON.stringify(payload),
});
const GRAPHQL_RESPONSE = { accept: 'application/graphql-response+json' };

describe('graph speaks GraphQL over HTTP', () => {
  it.each([
    ['a parse error', { query: '{ article(' }, 'GRAPHQL_PARSE_FAILED'],
    ['a validation error', { query: '{ nope }' }, 'GRAPHQL_VALIDATION_FAILED'],
    [
      'a variable of the wrong type',
      { query: 'query ($n: Int) { articles(count: $n) { nodes { id } } }', variables: { n: 'x' } },
      'BAD_USER_INPUT',
    ],
    [
      'a JSON syntax tree smuggled in as the query',
      { query: JSON.stringify({ kind: 'Document', definitions: [{ kind: 'Bogus' }] }) },
      'GRAPHQL_PARSE_FAILED',
    ],
  ])(
    'answers %s with its code: 200 for JSON, 400 without data for graphql-response+json',
    async (_, payload, code) => {
      await graph();

      const asJson = await send(json(payload));
      const asGraphqlResponse = await send(json(payload, GRAPHQL_RESPONSE));

      expect(asJson.status).toBe(200);
      expect(asJson.type).toMatch(/^application\/json/);
      expect(asJson.body.errors?.[0]?.extensions?.code).toBe(code);
      expect(asGraphqlResponse.status).toBe(400);
      expect(asGraphqlResponse.type).toMatch(/^application\/graphql-response\+json/);
      expect(asGraphqlResponse.body).not.toHaveProperty('data');
      expect(asGraphqlResponse.body.errors?.[0]?.extensions?.code).toBe(code);
    },
  );

  it.each([
    [
      'a body over the size limit',
      json({ query: `{ search(text: "${'x'.repeat(1_100_000)}") { id } }` }),
      413,
      'PAYLOAD_TOO_LARGE',
    ],
    [
      'a body that is not JSON',
      {
        method: 'POST',
        url: '/graphql',
        headers: { 'content-type': 'application/json' },
        payload: '{',
      },
      400,
      'BAD_REQUEST',
    ],
    [
      'a JSON body of another media type',
      { method: 'POST', url: '/graphql', headers: { 'content-type': 'text/plain' }, payload: '{}' },
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    ],
    ['a query that is not a string', json({ query: 42 }), 400, 'BAD_REQUEST'],
    [
      'a mutation sent with GET',
      {
        method: 'GET',
        url: '/graphql?query=mutation%7BpublishArticle(id%3A%22x1%22)%7BstreamId%7D%7D',
      },
      405,
      'METHOD_NOT_ALLOWED',
    ],
  ] as const)('refuses %s with HTTP %i and code %s', async (_, request, status, code) => {
    await graph();

    const answer = await send(request);

    expect(answer.status).toBe(status);
    expect(answer.body.errors).toEqual([
      expect.objectContaining({ extensions: expect.objectContaining({ code }) as unknown }),
    ]);
  });

  it('accepts "extensions": null, and answers in the media type the client prefers', async () => {
    await graph();

    const answer = await send(json({ query: '{ article(id: "x1") { id } }', extensions: null }));
    const preferred = await send(
      json(
        { query: '{ __typename }' },
        { accept: 'application/graphql-response+json, application/json;q=0.9' },
      ),
    );

    expect(answer.body).toEqual({ data: { article: { id: 'x1' } } });
    expect(preferred.type).toMatch(/^application\/graphql-response\+json/);
  });

  it('hides what an unexpected failure says, answers 500 INTERNAL_SERVER_ERROR and logs it', async () => {
    const { logged } = await graph(() => Promise.reject(new Error('secret connection string')));

    const answer = await send(
      json({ query: 'mutation { publishArticle(id: "x1") { streamId } }' }),
    );

    expect(answer.status).toBe(500);
    expect(answer.body.errors).toEqual([
      expect.objectContaining({
        message: 'internal error',
        extensions: { code: 'INTERNAL_SERVER_ERROR' },
      }),
    ]);
    expect(JSON.stringify(answer.body)).not.toContain('secret');
    expect(logged).toContainEqual(
      expect.objectContaining({ level: 50, msg: 'GraphQL request failed' }),
    );
  });

  it.each([
    ['an unknown route', 'GET', '/nope', 404],
    ['a method the route does not serve', 'DELETE', '/healthz', 405],
    ['a malformed URL', 'GET', '/healthz%E0%A4%A', 400],
  ])('answers %s with problem+json', async (_, method, url, status) => {
    await graph();

    const answer = await send({ method: method, url });

    expect(answer.status).toBe(status);
    expect(answer.type).toMatch(/^application\/problem\+json/);
    expect(answer.body).toMatchObject({ status });
  });

  it('never answers 500, and gives every error a code, whatever the query text', async () => {
    await graph();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string(), fc.stringMatching(/^[{}()a-z:"$!@ ,.[\]0-9\\]{0,80}$/)),
        async (query) => {
          const answer = await send(json({ query }));
          expect(answer.status).toBeLessThan(500);
          for (const error of answer.body.errors ?? [])
            expect(typeof error.extensions?.code).toBe('string');
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never answers 500, and gives every error a code, whatever JSON is posted', async () => {
    await graph();
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), async (payload) => {
        const answer = await send(json(payload));
        expect(answer.status).toBeLessThan(500);
        for (const error of answer.body.errors ?? [])
          expect(typeof error.extensions?.code).toBe('string');
      }),
      { numRuns: 300 },
    );
  });
});

describe('acceptsGraphqlResponseJson', () => {
  it.each([
    [undefined, false],
    ['*/*', false],
    ['application/json', false],
    ['application/graphql-response+json', true],
    ['application/graphql-response+json, application/json', true],
    ['application/json, application/graphql-response+json;q=0.5', false],
    ['application/graphql-response+json;q=0', false],
  ])('Accept %s: %s', (accept, expected) => {
    expect(acceptsGraphqlResponseJson(accept)).toBe(expected);
  });
});
