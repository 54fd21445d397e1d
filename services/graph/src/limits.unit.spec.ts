import { ConfigError, envReader } from '@fairflax/service-kit';
import type { FastifyInstance } from 'fastify';
import { getIntrospectionQuery } from 'graphql';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, limitsFrom, type GraphqlLimits } from './limits.js';
import { aliasBomb, graphWithOneArticle, nestedQuery, postGraphql } from '../test/support.js';

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
});

async function graph(limits: Partial<GraphqlLimits> = {}) {
  ({ app } = await graphWithOneArticle({ limits: { ...DEFAULT_LIMITS, ...limits } }));
  return app;
}

async function refusal(query: string, variables: Record<string, unknown> = {}) {
  const res = await postGraphql(app!, query, variables);
  expect(res.status).toBe(200);
  expect(res.body).not.toHaveProperty('data');
  expect(res.body.errors).toHaveLength(1);
  return res.body.errors![0]!;
}

describe('GraphQL limits', () => {
  it.each([17, 50, 200])(
    'refuses the author/articles chain nested %i levels as QUERY_TOO_DEEP',
    async (levels) => {
      await graph();
      expect(await refusal(nestedQuery(levels))).toMatchObject({
        extensions: { code: 'QUERY_TOO_DEEP' },
      });
    },
  );

  it('refuses a chain within the depth limit that would multiply lists past the budget as QUERY_TOO_COMPLEX', async () => {
    await graph();
    const error = await refusal(nestedQuery(8));
    expect(error.extensions?.code).toBe('QUERY_TOO_COMPLEX');
    expect(error.message).toMatch(/costs \d+, more than the limit of 12000/);
  });

  it('refuses 100 aliases of search(count: 50) { body } as TOO_MANY_ALIASES', async () => {
    await graph();
    expect(await refusal(aliasBomb(100))).toMatchObject({
      extensions: { code: 'TOO_MANY_ALIASES' },
    });
  });

  it('refuses 1000 aliases (30 KB of query) before even parsing all of them, as TOO_MANY_TOKENS', async () => {
    await graph();
    expect(await refusal(aliasBomb(1_000))).toMatchObject({
      extensions: { code: 'TOO_MANY_TOKENS' },
    });
  });

  it('refuses aliases within their limit whose lists together cost too much', async () => {
    await graph();
    expect(await refusal(aliasBomb(25))).toMatchObject({
      extensions: { code: 'QUERY_TOO_COMPLEX' },
    });
  });

  it('counts a list size given as a variable', async () => {
    await graph({ maxCost: 5_000 });
    const query =
      'query ($n: Int) { authors { articles(count: $n) { body author { articles(count: $n) { id } } } } }';

    expect((await postGraphql(app!, query, { n: 1 })).body.errors).toBeUndefined();
    expect(await refusal(query, { n: 50 })).toMatchObject({
      extensions: { code: 'QUERY_TOO_COMPLEX' },
    });
  });

  it('refuses an over-budget query each time it is sent, costing the operation that runs', async () => {
    await graph();
    const document = `query Cheap { article(id: "x1") { id } } query Dear ${nestedQuery(8)}`;
    const run = (operationName: string) =>
      app!.inject({ method: 'POST', url: '/graphql', payload: { query: document, operationName } });
    for (let i = 0; i < 2; i++) {
      expect((await run('Cheap')).json()).toEqual({ data: { article: { id: 'x1' } } });
      expect((await run('Dear')).json().errors[0].extensions.code).toBe('QUERY_TOO_COMPLEX');
      expect((await refusal(nestedQuery(8))).extensions?.code).toBe('QUERY_TOO_COMPLEX');
    }
  });

  it('does not let a negative count buy budget for the fields beside it', async () => {
    await graph();
    const cheat = 'n: articles(count: -1000000) { nodes { id } }';
    expect(await refusal(`{ ${cheat} ${aliasBomb(4).slice(2, -2)} }`)).toMatchObject({
      extensions: { code: 'QUERY_TOO_COMPLEX' },
    });
  });

  it('refuses a query of more lexical tokens than allowed as TOO_MANY_TOKENS', async () => {
    await graph();
    const fields = Array.from({ length: 2_500 }, () => 'id').join(' ');
    expect(await refusal(`{ authors { ${fields} } }`)).toMatchObject({
      extensions: { code: 'TOO_MANY_TOKENS' },
    });
  });

  it('answers the pages a client needs and the introspection query GraphiQL sends', async () => {
    await graph();
    const page = await postGraphql(
      app!,
      `{ articles(count: 50) { edges { cursor node { id title body category status created modified
         publishedAt version author { id name articles(count: 5) { id title } } } } pageInfo { endCursor } } }`,
    );
    const introspection = await postGraphql(
      app!,
      getIntrospectionQuery({
        descriptions: true,
        specifiedByUrl: true,
        inputValueDeprecation: true,
      }),
    );

    expect(page.body.errors).toBeUndefined();
    expect(introspection.body.errors).toBeUndefined();
    expect(introspection.body.data).toHaveProperty('__schema');
  });

  it('replaces a response larger than the cap with RESPONSE_TOO_LARGE', async () => {
    await graph({ maxResponseBytes: 1_024 });
    const res = await postGraphql(app!, getIntrospectionQuery());

    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      errors: [
        {
          message: expect.stringMatching(/more than the limit of 1024/) as string,
          extensions: { code: 'RESPONSE_TOO_LARGE' },
        },
      ],
    });
  });

  it('reads every limit from its environment variable, with the defaults otherwise', () => {
    expect(limitsFrom(envReader({}))).toEqual(DEFAULT_LIMITS);
    expect(
      limitsFrom(
        envReader({
          GRAPHQL_MAX_DEPTH: '5',
          GRAPHQL_MAX_ALIASES: '3',
          GRAPHQL_MAX_TOKENS: '100',
          GRAPHQL_MAX_COST: '42',
          GRAPHQL_MAX_RESPONSE_BYTES: '4096',
        }),
      ),
    ).toEqual({
      maxDepth: 5,
      maxAliases: 3,
      maxTokens: 100,
      maxCost: 42,
      maxResponseBytes: 4096,
    });
    expect(() => limitsFrom(envReader({ GRAPHQL_MAX_COST: 'lots' }))).toThrow(ConfigError);
    expect(() => limitsFrom(envReader({ GRAPHQL_MAX_DEPTH: '0' }))).toThrow(/GRAPHQL_MAX_DEPTH/);
  });
});
