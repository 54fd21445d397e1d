import type { FairflaxEvent } from '@fairflax/events';
import { at, type DraftFields } from '@fairflax/projections/testing';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildApp } from './app.js';
import { encodeCursor } from './pagination.js';
import { GraphReadModel } from './read-model.js';
import { events as e, graphReadSide, postGraphql, recordingCommands } from '../test/support.js';

async function graph(...given: FairflaxEvent[]) {
  const side = graphReadSide();
  if (given.length > 0) side.given(...given);
  const commands = recordingCommands();
  const app = await buildApp({ db: side.db, runner: side.runner, search: side.search, commands });
  return {
    side,
    commands,
    app,
    query: (q: string, variables?: Record<string, unknown>) => postGraphql(app, q, variables),
  };
}

const published = (id: string, minute: number, fields: DraftFields = {}) => [
  e.drafted(id, 0, fields),
  e.published(id, minute),
];

const PAGE = `query ($count: Int, $after: String, $category: String, $status: ArticleStatus) {
  articles(count: $count, after: $after, category: $category, status: $status) {
    edges { cursor node { id } }
    nodes { id }
    pageInfo { endCursor hasNextPage }
  }
}`;

let app: FastifyInstance | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await app?.close();
});

describe('graph queries', () => {
  it('answers article(id) from the read model, author included, and null for an unknown id', async () => {
    const g = await graph(
      e.registered('a1', 'Ada Lovelace'),
      e.drafted('x1', 1, { title: 'T', body: 'B', category: 'politics' }),
      e.published('x1', 5),
    );
    app = g.app;

    const { status, body } = await g.query(`{
      article(id: "x1") { id title body category status created modified publishedAt version author { id name } }
      missing: article(id: "nope") { id }
    }`);

    expect(status).toBe(200);
    expect(body.data).toEqual({
      article: {
        id: 'x1',
        title: 'T',
        body: 'B',
        category: 'politics',
        status: 'PUBLISHED',
        created: at(1),
        modified: at(5),
        publishedAt: at(5),
        version: 2,
        author: { id: 'a1', name: 'Ada Lovelace' },
      },
      missing: null,
    });
  });

  it('lists published articles newest first by default, leaving out drafts and retracted articles', async () => {
    const g = await graph(
      ...published('old', 1),
      ...published('new', 9),
      ...published('gone', 5),
      e.retracted('gone', 40),
      e.drafted('draft', 30),
    );
    app = g.app;

    const { body } = await g.query('{ articles { nodes { id } pageInfo { hasNextPage } } }');

    expect(body.data).toEqual({
      articles: { nodes: [{ id: 'new' }, { id: 'old' }], pageInfo: { hasNextPage: false } },
    });
  });

  it('filters by category and by status, listing drafts by when they were created', async () => {
    const g = await graph(
      ...published('biz', 1, { category: 'business' }),
      ...published('pol', 2, { category: 'politics' }),
      e.drafted('draft-early', 3),
      e.drafted('draft-late', 4),
    );
    app = g.app;

    const byCategory = await g.query(PAGE, { category: 'politics' });
    const drafts = await g.query(PAGE, { status: 'DRAFT' });

    expect((byCategory.body.data as any).articles.nodes).toEqual([{ id: 'pol' }]);
    expect((drafts.body.data as any).articles.nodes).toEqual([
      { id: 'draft-late' },
      { id: 'draft-early' },
    ]);
  });

  it('walks every page with cursors, with no duplicates or gaps, even among articles published at the same time', async () => {
    // 23 articles, several sharing a publication time, so the id must break ties.
    const given = Array.from({ length: 23 }, (_, i) =>
      published(`x${String(i).padStart(2, '0')}`, i % 7),
    ).flat();
    const g = await graph(...given);
    app = g.app;
    const expected = (
      g.side.db.prepare('SELECT id FROM articles ORDER BY published_at DESC, id DESC').all() as {
        id: string;
      }[]
    ).map((r) => r.id);

    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const { body } = await g.query(PAGE, { count: 5, after });
      const page = (body.data as any).articles;
      expect(page.edges.map((edge: any) => edge.node.id)).toEqual(page.nodes.map((n: any) => n.id));
      seen.push(...page.nodes.map((n: any) => n.id));
      pages++;
      if (!page.pageInfo.hasNextPage) break;
      expect(page.pageInfo.endCursor).toBe(page.edges.at(-1).cursor);
      after = page.pageInfo.endCursor;
    }

    expect(pages).toBe(5);
    expect(seen).toEqual(expected);
    expect(new Set(seen).size).toBe(23);
  });

  it('answers an empty page with a null end cursor', async () => {
    const g = await graph();
    app = g.app;

    const { body } = await g.query(PAGE, {});

    expect((body.data as any).articles).toEqual({
      edges: [],
      nodes: [],
      pageInfo: { endCursor: null, hasNextPage: false },
    });
  });

  it.each([
    ['count 0', '{ articles(count: 0) { nodes { id } } }'],
    ['count 51', '{ articles(count: 51) { nodes { id } } }'],
    ['a search count of 0', '{ search(text: "x", count: 0) { id } }'],
    ['an author articles count of 51', '{ authors { articles(count: 51) { id } } }'],
  ])('rejects %s with BAD_USER_INPUT', async (_, query) => {
    const g = await graph(e.registered('a1', 'Ada'));
    app = g.app;

    const { status, body } = await g.query(query);

    expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(body.errors?.[0]?.message).toMatch(/count must be from 1 to 50/);
    if (!query.includes('authors')) expect(status).toBe(400);
  });

  it.each([
    ['not base64url', 'not a cursor!'],
    ['not JSON', Buffer.from('{oops').toString('base64url')],
    [
      'JSON of the wrong shape',
      Buffer.from(JSON.stringify({ time: 'x', id: 'y' })).toString('base64url'),
    ],
    ['a time that is not a time', encodeCursor({ time: 'yesterday', id: 'x1' })],
    ['empty', ''],
  ])('rejects a cursor that is %s with BAD_USER_INPUT', async (_, after) => {
    const g = await graph(...published('x1', 1));
    app = g.app;

    const { status, body } = await g.query(PAGE, { after });

    expect(status).toBe(400);
    expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('searches published articles, title matches first', async () => {
    const g = await graph(
      ...published('body-hit', 1, { title: 'Energy prices', body: 'Wind and solar are cheaper' }),
      ...published('title-hit', 2, { title: 'Wind farm approved', body: 'The council agreed' }),
      e.drafted('draft-hit', 1, { title: 'Wind draft' }),
    );
    app = g.app;

    const { body } = await g.query('{ search(text: "wind") { id title author { name } } }');

    expect(body.data).toEqual({
      search: [
        { id: 'title-hit', title: 'Wind farm approved', author: { name: 'Ada Lovelace' } },
        { id: 'body-hit', title: 'Energy prices', author: { name: 'Ada Lovelace' } },
      ],
    });
  });

  it('rejects blank search text with BAD_USER_INPUT', async () => {
    const g = await graph();
    app = g.app;

    const { status, body } = await g.query('{ search(text: "   ") { id } }');

    expect(status).toBe(400);
    expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('takes a retracted article out of search and the default list', async () => {
    const g = await graph(...published('x1', 1, { title: 'Scandal uncovered' }));
    app = g.app;
    const before = await g.query('{ search(text: "scandal") { id } articles { nodes { id } } }');
    expect(before.body.data).toEqual({
      search: [{ id: 'x1' }],
      articles: { nodes: [{ id: 'x1' }] },
    });

    g.side.given(e.retracted('x1', 40));

    const after = await g.query(
      '{ search(text: "scandal") { id } articles { nodes { id } } article(id: "x1") { status } }',
    );
    expect(after.body.data).toEqual({
      search: [],
      articles: { nodes: [] },
      article: { status: 'RETRACTED' },
    });
  });

  it("lists authors with their newest published articles, loading every author's articles in one query", async () => {
    const g = await graph(
      e.registered('a1', 'Ada Lovelace'),
      e.registered('a2', 'Grace Hopper'),
      e.registered('a3', 'Katherine Johnson'),
      ...published('ada-1', 1, { authorId: 'a1' }),
      ...published('ada-2', 2, { authorId: 'a1' }),
      ...published('ada-3', 3, { authorId: 'a1' }),
      e.drafted('ada-draft', 1, { authorId: 'a1' }),
      ...published('grace-1', 4, { authorId: 'a2', authorName: 'Grace Hopper' }),
    );
    app = g.app;
    const batched = vi.spyOn(GraphReadModel.prototype, 'publishedArticlesByAuthors');

    const { body } = await g.query('{ authors { id name articles(count: 2) { id } } }');

    expect(body.data).toEqual({
      authors: [
        { id: 'a1', name: 'Ada Lovelace', articles: [{ id: 'ada-3' }, { id: 'ada-2' }] },
        { id: 'a2', name: 'Grace Hopper', articles: [{ id: 'grace-1' }] },
        { id: 'a3', name: 'Katherine Johnson', articles: [] },
      ],
    });
    expect(batched).toHaveBeenCalledTimes(1);
  });

  it('answers author(id) with null for an unknown author, and reaches an author through an article', async () => {
    const g = await graph(
      e.registered('a1', 'Ada Lovelace'),
      ...published('x1', 1, { authorId: 'a1' }),
    );
    app = g.app;

    const { body } = await g.query(`{
      author(id: "a1") { name }
      missing: author(id: "nobody") { name }
      article(id: "x1") { author { articles { id } } }
    }`);

    expect(body.data).toEqual({
      author: { name: 'Ada Lovelace' },
      missing: null,
      article: { author: { articles: [{ id: 'x1' }] } },
    });
  });

  it('sends no command to articles for any query', async () => {
    const g = await graph(e.registered('a1', 'Ada'), ...published('x1', 1, { authorId: 'a1' }));
    app = g.app;

    const answers = await Promise.all([
      g.query('{ article(id: "x1") { id author { name } } }'),
      g.query('{ articles { nodes { id } } }'),
      g.query('{ search(text: "title") { id } }'),
      g.query('{ authors { articles { id } } author(id: "a1") { name } }'),
    ]);

    expect(answers.map((a) => a.body.errors)).toEqual([undefined, undefined, undefined, undefined]);
    expect(g.commands.calls).toEqual([]);
  });
});
