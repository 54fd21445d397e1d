import type { CommandResult } from '@fairflax/publishing-api';
import { openReadModel, ProjectionRunner } from '@fairflax/projections';
import { authorsProjection } from '@fairflax/projections/testing';
import Fastify, { type FastifyInstance } from 'fastify';
import mercurius from 'mercurius';
import { afterEach, describe, expect, it } from 'vitest';
import type { SchemaPart } from './extension.js';
import { DEFAULT_LIMITS } from './limits.js';
import { answerCache, QUERY_CACHE_ENTRIES, queryCache } from './query-cache.js';
import { buildApp } from './app.js';
import { createLogger, envReader } from '@fairflax/service-kit';
import { events as e, graphReadSide, postGraphql, recordingCommands } from '../test/support.js';

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
});

const TITLES = '{ articles(count: 5) { nodes { id title author { name } } } }';

/** A root field beside the read model, as the stats are: it counts its calls. */
function counter(): SchemaPart & { calls: () => number } {
  let calls = 0;
  return {
    typeDefs: 'extend type Query { ticks: Int! }',
    resolvers: { Query: { ticks: () => ++calls } },
    calls: () => calls,
  };
}

async function cachedGraph(extensions: SchemaPart[] = [], limits = DEFAULT_LIMITS) {
  const commands = recordingCommands(() =>
    Promise.resolve<CommandResult>({
      streamId: 'article-x1',
      streamVersion: 3,
      globalPosition: 7,
      duplicate: false,
    }),
  );
  const side = graphReadSide();
  side.given(e.registered('a1', 'Ada Lovelace'), e.drafted('x1', 1), e.published('x1', 10));
  const cache = await answerCache.open({
    db: side.db,
    runner: side.runner,
    env: envReader({}),
    logger: createLogger('graph-test', { LOG_LEVEL: 'silent' }),
    inProcess: false,
    consumer: 'graph',
  });
  const built = {
    app: await buildApp({
      db: side.db,
      runner: side.runner,
      search: side.search,
      commands,
      extensions: [...extensions, { typeDefs: answerCache.typeDefs, ...cache }],
      limits,
    }),
  };
  app = built.app;
  return {
    side,
    commands,
    query: (q: string, variables?: Record<string, unknown>, headers?: Record<string, string>) =>
      postGraphql(built.app, q, variables, headers),
    /** Changes the read model without a commit: only an answer run anew shows it. */
    retitleBehindItsBack: (title: string) =>
      side.db.prepare('UPDATE articles SET title = ?').run(title),
    titles: (body: { data?: Record<string, unknown> | null }) =>
      (body.data?.['articles'] as { nodes: { title: string }[] }).nodes.map((n) => n.title),
  };
}

describe('answers kept until the read model commits', () => {
  it('answers a repeated query from what it answered first, until the next commit', async () => {
    const g = await cachedGraph();
    const first = await g.query(TITLES);
    g.retitleBehindItsBack('changed');
    const again = await g.query(TITLES);
    expect(again).toEqual(first);

    g.side.given(e.drafted('x2', 20, { title: 'Second story' }), e.published('x2', 21));
    const moved = await g.query(TITLES);
    expect(g.titles(moved.body)).toEqual(['Second story', 'changed']);
  });

  it('keeps one answer per query text and variables', async () => {
    const g = await cachedGraph();
    const byId = 'query ($id: ID!) { article(id: $id) { id title } }';
    expect((await g.query(byId, { id: 'x1' })).body.data).toEqual({
      article: { id: 'x1', title: 'Title of x1' },
    });
    expect((await g.query(byId, { id: 'nope' })).body.data).toEqual({ article: null });
    g.side.given(e.drafted('nope', 30), e.published('nope', 31));
    expect((await g.query(byId, { id: 'nope' })).body.data).toEqual({
      article: { id: 'nope', title: 'Title of nope' },
    });
  });

  it('serves a kept answer under the media type each request accepts', async () => {
    const g = await cachedGraph();
    const accept = (type: string) => ({ accept: type });
    const json = await g.query(TITLES, {}, accept('application/json'));
    const graphql = await g.query(TITLES, {}, accept('application/graphql-response+json'));
    const jsonAgain = await g.query(TITLES, {}, accept('application/json'));
    expect(json.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(graphql.headers['content-type']).toBe(
      'application/graphql-response+json; charset=utf-8',
    );
    expect(jsonAgain.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(graphql.body).toEqual(json.body);
    expect(jsonAgain.body).toEqual(json.body);
  });

  it('runs a query again when one of its root fields is not from the read model', async () => {
    const ticks = counter();
    const g = await cachedGraph([ticks]);
    for (const query of [
      '{ ticks }',
      `{ ticks ${TITLES.slice(1)}`,
      '{ ...T } fragment T on Query { ticks }',
    ]) {
      const before = ticks.calls();
      await g.query(query);
      await g.query(query);
      expect(ticks.calls() - before).toBe(2);
    }
  });

  it('runs a search again, whose index is kept beside the read model', async () => {
    const g = await cachedGraph();
    const search = '{ search(text: "Title") { title } }';
    expect((await g.query(search)).body.data).toEqual({ search: [{ title: 'Title of x1' }] });
    g.retitleBehindItsBack('Title changed');
    expect((await g.query(search)).body.data).toEqual({ search: [{ title: 'Title changed' }] });
  });

  it('chooses by the operation that runs when a document holds several', async () => {
    const ticks = counter();
    const g = await cachedGraph([ticks]);
    const document = `query Ticks { ticks } query Titles ${TITLES}`;
    const run = (operationName: string) =>
      app!.inject({ method: 'POST', url: '/graphql', payload: { query: document, operationName } });
    await run('Titles');
    g.retitleBehindItsBack('changed');
    expect((await run('Titles')).json().data.articles.nodes[0].title).toBe('Title of x1');
    await run('Ticks');
    await run('Ticks');
    expect(ticks.calls()).toBe(2);
  });

  it('runs every mutation, and every query that failed, again', async () => {
    const g = await cachedGraph();
    const publish = 'mutation { publishArticle(id: "x1") { globalPosition } }';
    expect((await g.query(publish)).body.data).toEqual({ publishArticle: { globalPosition: '7' } });
    await g.query(publish);
    expect(g.commands.calls).toHaveLength(2);

    const failing =
      '{ bad: article(id: "x1") { author { articles(count: 500) { id } } } other: article(id: "x1") { title } }';
    const failed = await g.query(failing);
    expect(failed.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    g.retitleBehindItsBack('changed');
    expect((await g.query(failing)).body.data?.['other']).toEqual({ title: 'changed' });
  });

  it('keeps the answers of GET requests apart from those of POST, and still refuses a mutation over GET', async () => {
    const g = await cachedGraph();
    const get = (query: string) =>
      app!.inject({ method: 'GET', url: `/graphql?query=${encodeURIComponent(query)}` });
    const first = await get(TITLES);
    expect(first.statusCode).toBe(200);
    g.retitleBehindItsBack('changed');
    expect((await get(TITLES)).body).toBe(first.body);
    expect(g.titles((await g.query(TITLES)).body)).toEqual(['changed']);
    const mutation = await get('mutation { publishArticle(id: "x1") { globalPosition } }');
    expect(mutation.statusCode).toBe(405);
    expect(g.commands.calls).toHaveLength(0);
  });

  it(`keeps at most ${QUERY_CACHE_ENTRIES} answers, letting the oldest go first`, async () => {
    const g = await cachedGraph();
    const nth = (i: number) => `{ articles(count: 1) { nodes { title } } n${i}: __typename }`;
    for (let i = 0; i <= QUERY_CACHE_ENTRIES; i++) await g.query(nth(i));
    g.retitleBehindItsBack('changed');
    expect(g.titles((await g.query(nth(QUERY_CACHE_ENTRIES))).body)).toEqual(['Title of x1']);
    expect(g.titles((await g.query(nth(0))).body)).toEqual(['changed']);
  });

  it('keeps no answer refused as too large, whose status depends on what the request accepts', async () => {
    const g = await cachedGraph([], { ...DEFAULT_LIMITS, maxResponseBytes: 1_024 });
    const types = '{ __schema { types { name description fields { name description } } } }';
    const json = await g.query(types, {}, { accept: 'application/json' });
    expect(json.status).toBe(200);
    expect(json.body.errors?.[0]?.extensions?.code).toBe('RESPONSE_TOO_LARGE');
    const strict = await g.query(types, {}, { accept: 'application/graphql-response+json' });
    expect(strict.status).toBe(400);
    expect(strict.body.errors?.[0]?.extensions?.code).toBe('RESPONSE_TOO_LARGE');
  });

  it('keeps answers up to its size in bytes, letting the oldest go first', async () => {
    let runs = 0;
    app = Fastify();
    await app.register(mercurius, {
      schema: 'type Query { article(id: ID!): String }',
      resolvers: { Query: { article: (_: unknown, { id }: { id: string }) => (runs++, id) } },
    });
    const runner = new ProjectionRunner(openReadModel(':memory:'), authorsProjection());
    queryCache(app, { path: '/graphql', runner, maxBytes: 1_000 });
    // Each answer is about 320 bytes: three fit.
    const ask = async (letter: string) => {
      const before = runs;
      const res = await postGraphql(app!, `{ article(id: "${letter.repeat(300)}") }`);
      expect(res.body.data?.['article']).toBe(letter.repeat(300));
      return runs - before;
    };
    for (const letter of ['a', 'b', 'c', 'd']) expect(await ask(letter)).toBe(1);
    expect(await ask('d')).toBe(0);
    expect(await ask('b')).toBe(0);
    expect(await ask('a')).toBe(1);
  });
});
