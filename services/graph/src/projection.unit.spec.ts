import type { FairflaxEvent } from '@fairflax/events';
import { describe, expect, it } from 'vitest';
import { graphProjection } from './projection.js';
import { events as e, graphReadSide, type GraphReadSide } from './testing.js';

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
      e.authorRegistered('a1', 'Ada Lovelace'),
      e.articleDrafted('x1', { title: 'Draft title', body: 'Draft body', category: 'politics', minute: 1 }),
      e.articlePublished('x1', 10),
      e.articleRevised('x1', { title: 'Final title' }, 20),
    );

    expect(articleRow(side, 'x1')).toEqual({
      id: 'x1',
      title: 'Final title',
      body: 'Draft body',
      category: 'politics',
      author_id: 'a1',
      author_name: 'Ada Lovelace',
      status: 'PUBLISHED',
      created: e.at(1),
      modified: e.at(20),
      published_at: e.at(10),
      version: 3,
      position: 4,
    });
    expect(side.db.prepare('SELECT * FROM authors').all()).toEqual([{ id: 'a1', name: 'Ada Lovelace', version: 1 }]);
  });

  it('changes only the fields an ArticleRevised names', () => {
    const side = graphReadSide();
    side.given(e.articleDrafted('x1', { title: 'T', body: 'B', category: 'business' }));
    side.given(e.articleRevised('x1', { category: 'environment' }));

    expect(articleRow(side, 'x1')).toMatchObject({ title: 'T', body: 'B', category: 'environment', status: 'DRAFT' });
  });

  it('marks a retracted article RETRACTED and keeps the time it was published', () => {
    const side = graphReadSide();
    side.given(e.articleDrafted('x1'), e.articlePublished('x1', 10), e.articleRetracted('x1', 40));

    expect(articleRow(side, 'x1')).toMatchObject({ status: 'RETRACTED', published_at: e.at(10), modified: e.at(40) });
  });

  it("shows an author's new name on every one of their articles, and only theirs, after AuthorRenamed", () => {
    const side = graphReadSide();
    side.given(
      e.authorRegistered('a1', 'Ada Lovelace'),
      e.authorRegistered('a2', 'Grace Hopper'),
      e.articleDrafted('x1', { authorId: 'a1', authorName: 'Ada Lovelace' }),
      e.articleDrafted('x2', { authorId: 'a1', authorName: 'Ada Lovelace' }),
      e.articlePublished('x2'),
      e.articleDrafted('x3', { authorId: 'a2', authorName: 'Grace Hopper' }),
    );

    side.given(e.authorRenamed('a1', 'Ada Lovelace', 'Ada King'));

    const names = side.db.prepare('SELECT id, author_name FROM articles ORDER BY id').all();
    expect(names).toEqual([
      { id: 'x1', author_name: 'Ada King' },
      { id: 'x2', author_name: 'Ada King' },
      { id: 'x3', author_name: 'Grace Hopper' },
    ]);
    expect(side.db.prepare("SELECT name FROM authors WHERE id = 'a1'").get()).toEqual({ name: 'Ada King' });
  });

  it('changes nothing when a batch is delivered again, and counts it as skipped', () => {
    const side = graphReadSide();
    const batch = side.next([
      e.authorRegistered('a1', 'Ada Lovelace'),
      e.articleDrafted('x1'),
      e.articlePublished('x1'),
      e.authorRenamed('a1', 'Ada Lovelace', 'Ada King'),
    ]);
    expect(side.runner.applyBatch(batch)).toEqual({ applied: 4, skipped: 0 });
    const before = allRows(side);

    expect(side.runner.applyBatch(batch)).toEqual({ applied: 0, skipped: 4 });

    expect(allRows(side)).toEqual(before);
    expect(side.runner.globalPosition()).toBe(4);
  });

  it('ignores article events that arrive again after newer ones, even past the checkpoint', () => {
    const side = graphReadSide();
    side.given(e.articleDrafted('x1', { title: 'Old' }), e.articlePublished('x1'), e.articleRevised('x1', { title: 'New' }));

    // Straight to the projection: the SQL itself must refuse to go back in the stream.
    const replay = (event: FairflaxEvent, streamVersion: number) =>
      graphProjection.apply(side.db, { event, streamId: 'article-x1', streamVersion, globalPosition: streamVersion, recordedAt: e.at(0) });
    replay(e.articleDrafted('x1', { title: 'Old' }), 1);
    replay(e.articlePublished('x1'), 2);
    replay(e.articleRevised('x1', { title: 'New' }), 3);

    expect(articleRow(side, 'x1')).toMatchObject({ title: 'New', status: 'PUBLISHED', version: 3, position: 3 });
  });

  it('does not bring back an old author name when an older rename is applied late', () => {
    const side = graphReadSide();
    side.given(
      e.authorRegistered('a1', 'First'),
      e.articleDrafted('x1', { authorId: 'a1', authorName: 'First' }),
      e.authorRenamed('a1', 'First', 'Second'),
      e.authorRenamed('a1', 'Second', 'Third'),
    );

    graphProjection.apply(side.db, {
      event: e.authorRenamed('a1', 'First', 'Second'),
      streamId: 'author-a1',
      streamVersion: 2,
      globalPosition: 3,
      recordedAt: e.at(0),
    });

    expect(side.db.prepare("SELECT name FROM authors WHERE id = 'a1'").get()).toEqual({ name: 'Third' });
    expect(articleRow(side, 'x1')).toMatchObject({ author_name: 'Third' });
  });

  it('rejects a row of the wrong type, since its tables are STRICT', () => {
    const side = graphReadSide();
    expect(() => side.db.prepare("INSERT INTO authors (id, name, version) VALUES ('a', 'A', 'one')").run()).toThrow(
      /cannot store TEXT value in INTEGER column/,
    );
  });

  it.each([
    ['published, any category', 'articles_by_status_published', "status = 'PUBLISHED'", 'published_at'],
    ['published, one category', 'articles_by_category_published', "status = 'PUBLISHED' AND category = 'business'", 'published_at'],
    ['drafts, any category', 'articles_by_status_created', "status = 'DRAFT'", 'created'],
    ['drafts, one category', 'articles_by_category_created', "status = 'DRAFT' AND category = 'business'", 'created'],
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
