import type { FairflaxEvent } from '@fairflax/events';
import { at } from '@fairflax/projections/testing';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildApp } from './app.js';
import { EventHistory, MAX_FOLDED_EVENTS } from './history.js';
import { events as e, graphReadSide, postGraphql, recordingCommands } from '../test/support.js';

let app: FastifyInstance | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await app?.close();
});

/** Positions: 1 registered, 2 drafted, 3 published, 4 revised, 5 renamed, 6 other drafted. */
const NEWSROOM: FairflaxEvent[] = [
  e.registered('a1', 'Ada Lovelace'),
  e.drafted('x1', 1, { title: 'First title', category: 'politics' }),
  e.published('x1', 2),
  e.revised('x1', 3, { title: 'Second title' }),
  e.renamed('a1', 'Ada King', 4),
  e.drafted('x2', 5),
];

async function graph(...given: FairflaxEvent[]) {
  const side = graphReadSide();
  if (given.length > 0) side.given(...given);
  app = await buildApp({
    db: side.db,
    runner: side.runner,
    search: side.search,
    commands: recordingCommands(),
  });
  const built = app;
  return {
    side,
    query: (q: string, variables?: Record<string, unknown>) => postGraphql(built, q, variables),
  };
}

const ARTICLE_AS_OF = `query ($asOf: Int) {
  article(id: "x1", asOf: $asOf) { title status version publishedAt author { name } }
}`;

describe('the log as graph applied it', () => {
  it('lists events newest first with their type, stream, time and data', async () => {
    const g = await graph(...NEWSROOM);

    const { body } = await g.query(
      '{ events(first: 2) { position type stream recordedAt payload } }',
    );

    expect(body.errors).toBeUndefined();
    expect(body.data?.['events']).toEqual([
      {
        position: 6,
        type: 'ArticleDrafted',
        stream: 'article-x2',
        recordedAt: '2026-03-01T00:00:00.000Z',
        payload: JSON.stringify(e.drafted('x2', 5).data),
      },
      {
        position: 5,
        type: 'AuthorRenamed',
        stream: 'author-a1',
        recordedAt: '2026-03-01T00:00:00.000Z',
        payload: JSON.stringify(e.renamed('a1', 'Ada King', 4).data),
      },
    ]);
  });

  it('pages back with before and filters by type and by stream', async () => {
    const g = await graph(...NEWSROOM);
    const positions = async (args: string) => {
      const { body } = await g.query(`{ events(${args}) { position } }`);
      return (body.data?.['events'] as { position: number }[]).map((event) => event.position);
    };

    expect(await positions('before: 4')).toEqual([3, 2, 1]);
    expect(await positions('type: "ArticleDrafted"')).toEqual([6, 2]);
    expect(await positions('stream: "article-x1", before: 4')).toEqual([3, 2]);
    expect(await positions('stream: "article-x1", type: "ArticlePublished"')).toEqual([3]);
    expect(await positions('before: 0')).toEqual([]);
  });

  it('stores a redelivered event once', async () => {
    const g = await graph();
    const deliveries = g.side.next(NEWSROOM.slice(0, 3));
    g.side.runner.applyBatch(deliveries);
    g.side.runner.applyBatch(deliveries);

    const { body } = await g.query('{ events { position } }');

    expect(body.data?.['events']).toEqual([{ position: 3 }, { position: 2 }, { position: 1 }]);
  });

  it("gives an article's history oldest first, paged by after, for every article of a list in one read", async () => {
    const g = await graph(...NEWSROOM, e.published('x2', 6));
    const { body } = await g.query(`{
      all: articles { nodes { id history { position type } } }
      later: article(id: "x1") { history(after: 2, first: 1) { position type } }
    }`);

    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({
      all: {
        nodes: [
          {
            id: 'x2',
            history: [
              { position: 6, type: 'ArticleDrafted' },
              { position: 7, type: 'ArticlePublished' },
            ],
          },
          {
            id: 'x1',
            history: [
              { position: 2, type: 'ArticleDrafted' },
              { position: 3, type: 'ArticlePublished' },
              { position: 4, type: 'ArticleRevised' },
            ],
          },
        ],
      },
      later: { history: [{ position: 3, type: 'ArticlePublished' }] },
    });
  });

  it('reads the histories of a page of articles with one query', async () => {
    const g = await graph(...NEWSROOM, e.published('x2', 6));
    const read = vi.spyOn(EventHistory.prototype, 'articleHistories');

    await g.query('{ articles(count: 10) { nodes { history { position } } } }');

    expect(read).toHaveBeenCalledTimes(1);
    expect(read.mock.calls[0]?.[0]).toEqual(['x2', 'x1']);
  });
});

describe('an article as of a log position', () => {
  it('is null before the article was drafted, a draft right after, the old title before a revision', async () => {
    const g = await graph(...NEWSROOM);
    const asOf = async (position: number) =>
      (await g.query(ARTICLE_AS_OF, { asOf: position })).body.data?.['article'];

    expect(await asOf(0)).toBeNull();
    expect(await asOf(1)).toBeNull();
    expect(await asOf(2)).toEqual({
      title: 'First title',
      status: 'DRAFT',
      version: 1,
      publishedAt: null,
      author: { name: 'Ada Lovelace' },
    });
    expect(await asOf(3)).toMatchObject({ title: 'First title', status: 'PUBLISHED', version: 2 });
    expect(await asOf(4)).toMatchObject({
      title: 'Second title',
      author: { name: 'Ada Lovelace' },
    });
    expect(await asOf(5)).toMatchObject({ title: 'Second title', author: { name: 'Ada King' } });
  });

  it(`refuses to fold more than ${MAX_FOLDED_EVENTS} events of one article, with a code`, async () => {
    const revisions = Array.from({ length: MAX_FOLDED_EVENTS }, (_, i) =>
      e.revised('x1', 10 + i, { title: `Title ${i}` }),
    );
    const g = await graph(e.registered('a1', 'Ada Lovelace'), e.drafted('x1', 1), ...revisions);
    const asOf = (position: number) => g.query(ARTICLE_AS_OF, { asOf: position });

    const head = (await asOf(MAX_FOLDED_EVENTS + 2)).body;
    const within = (await asOf(MAX_FOLDED_EVENTS + 1)).body;

    expect(head.data?.['article']).toBeNull();
    expect(head.errors).toEqual([
      expect.objectContaining({ extensions: { code: 'HISTORY_TOO_LONG' } }),
    ]);
    expect(within.data?.['article']).toMatchObject({ title: `Title ${MAX_FOLDED_EVENTS - 2}` });
  });

  it('equals the read model at the head of the log, and its history stops at that position', async () => {
    const g = await graph(...NEWSROOM, e.retracted('x1', 9));
    const fields =
      'id title body category status created modified publishedAt version author { id name }';

    const { body } = await g.query(`{
      now: article(id: "x1") { ${fields} }
      head: article(id: "x1", asOf: 1000) { ${fields} }
      then: article(id: "x1", asOf: 3) { publishedAt modified history { position } }
    }`);

    expect(body.errors).toBeUndefined();
    expect(body.data?.['head']).toEqual(body.data?.['now']);
    expect(body.data?.['then']).toEqual({
      publishedAt: at(2),
      modified: at(2),
      history: [{ position: 2 }, { position: 3 }],
    });
  });
});

describe('bounds on the log', () => {
  it.each([
    ['{ events(first: 201) { position } }', 'first must be from 1 to 200'],
    ['{ events(first: 0) { position } }', 'first must be from 1 to 200'],
    ['{ events(before: -1) { position } }', 'before must be a log position'],
    ['{ article(id: "x1", asOf: -1) { id } }', 'asOf must be a log position'],
    ['{ article(id: "x1") { history(first: 501) { position } } }', 'first must be from 1 to 500'],
    ['{ article(id: "x1") { history(after: -5) { position } } }', 'after must be a log position'],
  ])('refuses %s as BAD_USER_INPUT', async (query, message) => {
    const g = await graph(...NEWSROOM);

    const { status, body } = await g.query(query);

    expect(status).toBeLessThan(500);
    expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(body.errors?.[0]?.message).toContain(message);
  });

  it('refuses histories of a whole page of articles as QUERY_TOO_COMPLEX, but not a small one', async () => {
    const g = await graph(...NEWSROOM);

    const big = await g.query(
      '{ articles(count: 50) { nodes { history(first: 500) { position payload } } } }',
    );
    const small = await g.query(
      '{ articles(count: 10) { nodes { history(first: 20) { position type payload } } } }',
    );

    expect(big.body.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
    expect(small.body.errors).toBeUndefined();
  });

  it('answers events anew once the read model has committed more', async () => {
    const g = await graph(...NEWSROOM);
    const newest = async () =>
      ((await g.query('{ events(first: 1) { position } }')).body.data?.['events'] as unknown[])[0];

    expect(await newest()).toEqual({ position: 6 });
    expect(await newest()).toEqual({ position: 6 });
    g.side.given(e.published('x2', 7));
    expect(await newest()).toEqual({ position: 7 });
  });
});
