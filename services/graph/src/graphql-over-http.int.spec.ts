import type { FastifyInstance } from 'fastify';
import { auditServer } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aliasBomb, graphWithOneArticle, nestedQuery } from '../test/support.js';

let app: FastifyInstance;
let url: string;
beforeAll(async () => {
  ({ app } = await graphWithOneArticle());
  url = await app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(() => app.close());

const post = (query: string) =>
  fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });

describe('graph over real HTTP', () => {
  it('passes every audit of the GraphQL over HTTP specification (graphql-http serverAudits)', async () => {
    const results = await auditServer({ url: `${url}/graphql` });

    const failed = results
      .filter((r) => r.status !== 'ok')
      .map((r) => `${r.name}: ${'reason' in r ? r.reason : ''}`);
    expect(failed).toEqual([]);
    expect(results.length).toBeGreaterThan(50);
  });

  it('keeps answering /healthz while hostile queries arrive, refusing each with its code', async () => {
    const attacks = [
      [nestedQuery(50), 'QUERY_TOO_DEEP'],
      [nestedQuery(8), 'QUERY_TOO_COMPLEX'],
      [aliasBomb(1_000), 'TOO_MANY_TOKENS'],
      [aliasBomb(100), 'TOO_MANY_ALIASES'],
      [aliasBomb(25), 'QUERY_TOO_COMPLEX'],
    ] as const;
    const codes: string[] = [];
    const health: number[] = [];
    const attacking = Promise.all(
      Array.from({ length: 10 }, () => attacks)
        .flat()
        .map(async ([query]) => {
          const body = (await (await post(query)).json()) as {
            errors: { extensions: { code: string } }[];
          };
          codes.push(body.errors.map((err) => err.extensions.code).join());
        }),
    );
    const probing = (async () => {
      for (let i = 0; i < 20; i++) health.push((await fetch(`${url}/healthz`)).status);
    })();
    await Promise.all([attacking, probing]);

    expect(health).toEqual(Array.from({ length: 20 }, () => 200));
    expect(codes.sort()).toEqual(
      Array.from({ length: 10 }, () => attacks.map(([, code]) => code))
        .flat()
        .sort(),
    );
  });
});
