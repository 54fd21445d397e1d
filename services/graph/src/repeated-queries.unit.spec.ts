import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { graphWithOneArticle, postGraphql } from '../test/support.js';

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
});

/** Queries that succeed, fail in a resolver, or fail on their variables. */
const CASES: { name: string; query: string; variables?: Record<string, unknown> }[] = [
  {
    name: 'a page of articles',
    query: '{ articles(count: 2) { nodes { id title author { name } } } }',
  },
  {
    name: 'an article and its author',
    query: '{ article(id: "x1") { id status author { id name } } }',
  },
  { name: 'a missing article', query: '{ article(id: "nope") { id } }' },
  { name: 'a count out of range', query: '{ articles(count: 500) { nodes { id } } }' },
  { name: 'a bad cursor', query: '{ articles(after: "%%%") { nodes { id } } }' },
  { name: 'a blank search', query: '{ search(text: "  ") { id } }' },
  {
    name: 'a variable of the wrong type',
    query: 'query ($n: Int) { articles(count: $n) { nodes { id } } }',
    variables: { n: 'ten' },
  },
  {
    name: 'a null for a non-null variable',
    query: 'query ($id: ID!) { article(id: $id) { id } }',
    variables: { id: null },
  },
  {
    name: 'a failing mutation',
    query: 'mutation { publishArticle(id: "x1") { globalPosition } }',
  },
];

// mercurius caches a query's parse and validation, and with its `jit` option compiles a query
// it has seen: a repeated query must still answer exactly as it did the first time.
describe('a query run again', () => {
  it.each(CASES)('answers $name exactly as its first run did', async ({ query, variables }) => {
    ({ app } = await graphWithOneArticle());
    const runs = [];
    for (let i = 0; i < 3; i++) runs.push(await postGraphql(app, query, variables));
    const [first, ...later] = runs.map(({ status, body }) => ({ status, body }));
    for (const run of later) expect(run).toEqual(first);
  });
});
