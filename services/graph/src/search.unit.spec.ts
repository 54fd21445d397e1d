import { describe, expect, it, vi } from 'vitest';
import { graphProjection } from './projection.js';
import { ArticleSearch } from './search.js';
import { events as e, graphReadSide } from '../test/support.js';

const publishedArticle = (id: string, title: string, body: string) => [
  e.drafted(id, 1, { title, body }),
  e.published(id, 10),
];

/** What better-sqlite3 throws when another connection holds the write lock. */
const busy = (): Error =>
  Object.assign(new Error('database is locked'), { name: 'SqliteError', code: 'SQLITE_BUSY' });

describe('ArticleSearch', () => {
  it('ranks articles that match in the title above those that match only in the body', () => {
    const side = graphReadSide();
    side.given(
      ...publishedArticle('body-only', 'Markets rally', 'Offshore wind farms lifted energy shares'),
      ...publishedArticle('in-title', 'Wind power breaks a record', 'Turbines in the north sea'),
      ...publishedArticle('unrelated', 'Election night', 'Counting continues'),
    );

    expect(side.search.search('wind', 10)).toEqual(['in-title', 'body-only']);
  });

  it('finds words by their beginning, ignoring case and accents', () => {
    const side = graphReadSide();
    side.given(...publishedArticle('x1', 'Café culture in Zürich', 'Body'));

    expect(side.search.search('ZURI', 10)).toEqual(['x1']);
    expect(side.search.search('cafe', 10)).toEqual(['x1']);
  });

  it('returns at most count ids', () => {
    const side = graphReadSide();
    for (let i = 0; i < 5; i++) side.given(...publishedArticle(`x${i}`, `Budget ${i}`, 'Body'));

    expect(side.search.search('budget', 3)).toHaveLength(3);
  });

  it('makes an article searchable only once it is published', () => {
    const side = graphReadSide();
    side.given(e.drafted('x1', 1, { title: 'Secret plans' }));
    expect(side.search.search('secret', 10)).toEqual([]);

    side.given(e.published('x1', 10));
    expect(side.search.search('secret', 10)).toEqual(['x1']);
  });

  it('re-indexes a published article when it is revised', () => {
    const side = graphReadSide();
    side.given(...publishedArticle('x1', 'Floods in the valley', 'Body'));

    side.given(e.revised('x1', 20, { title: 'Drought in the valley' }));

    expect(side.search.search('floods', 10)).toEqual([]);
    expect(side.search.search('drought', 10)).toEqual(['x1']);
  });

  it('drops a retracted article from the results', () => {
    const side = graphReadSide();
    side.given(...publishedArticle('x1', 'Miracle cure found', 'Body'));

    side.given(e.retracted('x1', 40));

    expect(side.search.search('miracle', 10)).toEqual([]);
    expect(side.search.size).toBe(0);
  });

  it('rebuilds from the published articles in SQLite at start-up', () => {
    const side = graphReadSide();
    side.given(
      ...publishedArticle('published', 'Harbour news', 'Body'),
      e.drafted('draft', 1, { title: 'Harbour draft' }),
      ...publishedArticle('retracted', 'Harbour rumour', 'Body'),
      e.retracted('retracted', 40),
    );

    const restarted = new ArticleSearch(side.db);
    restarted.rebuild();

    expect(restarted.size).toBe(1);
    expect(restarted.search('harbour', 10)).toEqual(['published']);
  });

  it('does not change when a batch fails and rolls back', () => {
    const side = graphReadSide();
    side.given(e.drafted('x1', 1, { title: 'Rollback story' }));
    const batch = side.next([
      e.published('x1', 10),
      e.drafted('x2', 11, { title: 'Second story' }),
    ]);
    // A database error rather than a bad event: the runner rolls the whole batch back instead
    // of parking the event, so the search index must not keep what the first event added.
    const apply = graphProjection.apply.bind(graphProjection);
    const spy = vi.spyOn(graphProjection, 'apply').mockImplementation((db, projected) => {
      if (projected.event.type === 'ArticleDrafted') throw busy();
      apply(db, projected);
    });

    let calls = 0;
    try {
      expect(() => side.runner.applyBatch(batch)).toThrow(/database is locked/);
      calls = spy.mock.calls.length;
    } finally {
      spy.mockRestore();
    }

    expect(calls).toBe(2);
    expect(side.search.search('rollback', 10)).toEqual([]);
    expect(side.db.prepare("SELECT status FROM articles WHERE id = 'x1'").get()).toEqual({
      status: 'DRAFT',
    });
    expect(side.runner.globalPosition()).toBe(batch[0]!.event.globalPosition - 1);
  });
});
