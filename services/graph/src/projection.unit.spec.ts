import type { FairflaxEvent } from '@fairflax/events';
import { at } from '@fairflax/projections/testing';
import { describe, expect, it } from 'vitest';
import { graphProjection } from './projection.js';
import { events as e, graphReadSide, type GraphReadSide } from '../test/support.js';

const articleRow = (side: GraphReadSide, id: string) =>
  side.db.prepare('SELECT * FROM articles WHERE id = ?').get(id);
const allRows = (side: GraphReadSide) => ({
  articles: side.db.prepare('SELECT * FROM articles ORDER BY id').all(),
  authors: side.db.prepare('SELECT * FROM authors ORDER BY id').all(),
});

describe('graphProjection', () => {
  it('turns drafted, revised and published events into one article row carrying the author name', () => {
    const side = graphReadSide();
    side.given(
      e.registered('a1', 'Ada Lovelace'),
      e.drafted('x1', 1, { title: 'Draft title', body: 'Draft body', category: 'politics' }),
      e.published('x1', 10),
      e.revised('x1', 20, { title: 'Final title' }),
    );

    expect(articleRow(side, 'x1')).toEqual({
      id: 'x1',
      title: 'Final title',
      body: 'Draft body',
      category: 'politics',
      author_id: 'a1',
      author_name: 'Ada Lovelace',
      status: 'PUBLISHED',
      created: at(1),
      modified: at(20),
      published_at: at(10),
      version: 3,
      position: 4,
    });
    expect(side.db.prepare('SELECT * FROM authors').all()).toEqual([
      { id: 'a1', name: 'Ada Lovelace', name_since: at(0), version: 1 },
    ]);
  });

  it('changes only the fields an ArticleRevised names', () => {
    const side = graphReadSide();
    side.given(e.drafted('x1', 1, { title: 'T', body: 'B', category: 'business' }));
    side.given(e.revised('x1', 20, { category: 'environment' }));

    expect(articleRow(side, 'x1')).toMatchObject({
      title: 'T',
      body: 'B',
      category: 'environment',
      status: 'DRAFT',
    });
  });

  it('marks a retracted article RETRACTED and keeps the time it was published', () => {
    const side = graphReadSide();
    side.given(e.drafted('x1', 1), e.published('x1', 10), e.retracted('x1', 40));

    expect(articleRow(side, 'x1')).toMatchObject({
      status: 'RETRACTED',
      published_at: at(10),
      modified: at(40),
    });
  });

  it("shows an author's new name on every one of their articles, and only theirs, after AuthorRenamed", () => {
    const side = graphReadSide();
    side.given(
      e.registered('a1', 'Ada Lovelace'),
      e.registered('a2', 'Grace Hopper'),
      e.drafted('x1', 1, { authorId: 'a1', authorName: 'Ada Lovelace' }),
      e.drafted('x2', 1, { authorId: 'a1', authorName: 'Ada Lovelace' }),
      e.published('x2', 10),
      e.drafted('x3', 1, { authorId: 'a2', authorName: 'Grace Hopper' }),
    );

    side.given(e.renamed('a1', 'Ada King', 30, 'Ada Lovelace'));

    const names = side.db.prepare('SELECT id, author_name FROM articles ORDER BY id').all();
    expect(names).toEqual([
      { id: 'x1', author_name: 'Ada King' },
      { id: 'x2', author_name: 'Ada King' },
      { id: 'x3', author_name: 'Grace Hopper' },
    ]);
    expect(side.db.prepare("SELECT name FROM authors WHERE id = 'a1'").get()).toEqual({
      name: 'Ada King',
    });
  });

  it('changes nothing when a batch is delivered again, and counts it as skipped', () => {
    const side = graphReadSide();
    const batch = side.next([
      e.registered('a1', 'Ada Lovelace'),
      e.drafted('x1', 1),
      e.published('x1', 10),
      e.renamed('a1', 'Ada King', 30, 'Ada Lovelace'),
    ]);
    expect(side.runner.applyBatch(batch)).toEqual({ applied: 4, skipped: 0 });
    const before = allRows(side);

    expect(side.runner.applyBatch(batch)).toEqual({ applied: 0, skipped: 4 });

    expect(allRows(side)).toEqual(before);
    expect(side.runner.globalPosition()).toBe(4);
  });

  it('ignores article events that arrive again after newer ones, even past the checkpoint', () => {
    const side = graphReadSide();
    side.given(
      e.drafted('x1', 1, { title: 'Old' }),
      e.published('x1', 10),
      e.revised('x1', 20, { title: 'New' }),
    );

    // Straight to the projection: the SQL itself must refuse to go back in the stream.
    const replay = (event: FairflaxEvent, streamVersion: number) =>
      graphProjection.apply(side.db, {
        event,
        streamId: 'article-x1',
        streamVersion,
        globalPosition: streamVersion,
        recordedAt: at(0),
      });
    replay(e.drafted('x1', 1, { title: 'Old' }), 1);
    replay(e.published('x1', 10), 2);
    replay(e.revised('x1', 20, { title: 'New' }), 3);

    expect(articleRow(side, 'x1')).toMatchObject({
      title: 'New',
      status: 'PUBLISHED',
      version: 3,
      position: 3,
    });
  });

  it('does not bring back an old author name when an older rename is applied late', () => {
    const side = graphReadSide();
    side.given(
      e.registered('a1', 'First'),
      e.drafted('x1', 1, { authorId: 'a1', authorName: 'First' }),
      e.renamed('a1', 'Second', 30, 'First'),
      e.renamed('a1', 'Third', 30, 'Second'),
    );

    graphProjection.apply(side.db, {
      event: e.renamed('a1', 'Second', 30, 'First'),
      streamId: 'author-a1',
      streamVersion: 2,
      globalPosition: 3,
      recordedAt: at(0),
    });

    expect(side.db.prepare("SELECT name FROM authors WHERE id = 'a1'").get()).toEqual({
      name: 'Third',
    });
    expect(articleRow(side, 'x1')).toMatchObject({ author_name: 'Third' });
  });

  it("gives a draft the author's newer name when their rename arrived first (another partition)", () => {
    const side = graphReadSide();
    side.given(e.registered('a1', 'First'), e.renamed('a1', 'Second', 30, 'First'));
    // Drafted at minute 1, before the rename, so the event carries the old name.
    side.given(e.drafted('x1', 1, { authorId: 'a1', authorName: 'First' }));
    side.given(e.drafted('x2', 40, { authorId: 'a1', authorName: 'Second' }));
    expect(articleRow(side, 'x1')).toMatchObject({ author_name: 'Second' });
    expect(articleRow(side, 'x2')).toMatchObject({ author_name: 'Second' });
  });

  it('rejects a row of the wrong type, since its tables are STRICT', () => {
    const side = graphReadSide();
    expect(() =>
      side.db
        .prepare(
          "INSERT INTO authors (id, name, name_since, version) VALUES ('a', 'A', 't', 'one')",
        )
        .run(),
    ).toThrow(/cannot store TEXT value in INTEGER column/);
  });

  it.each([
    [
      'published, any category',
      'articles_by_status_published',
      "status = 'PUBLISHED'",
      'published_at',
    ],
    [
      'published, one category',
      'articles_by_category_published',
      "status = 'PUBLISHED' AND category = 'business'",
      'published_at',
    ],
    ['drafts, any category', 'articles_by_status_created', "status = 'DRAFT'", 'created'],
    [
      'drafts, one category',
      'articles_by_category_created',
      "status = 'DRAFT' AND category = 'business'",
      'created',
    ],
  ])('lists %s page by page from %s, without a sort step', (_, index, filter, column) => {
    const side = graphReadSide();
    const plan = side.db
      .prepare(
        `EXPLAIN QUERY PLAN SELECT * FROM articles WHERE ${filter} AND (${column}, id) < ('2026', 'x')
         ORDER BY ${column} DESC, id DESC LIMIT 11`,
      )
      .all() as { detail: string }[];
    const details = plan.map((p) => p.detail).join('\n');
    expect(details).toContain(`USING INDEX ${index} `);
    expect(details).not.toContain('TEMP B-TREE');
  });
});
