import { describe, expect, it, vi } from 'vitest';
import { graphProjection } from './projection.js';
import { ArticleSearch, crashSearchThreadForTests } from './search.js';
import { events as e, graphReadSide } from '../test/support.js';

const publishedArticle = (id: string, title: string, body: string) => [
  e.drafted(id, 1, { title, body }),
  e.published(id, 10),
];

/** What better-sqlite3 throws when another connection holds the write lock. */
const busy = (): Error =>
  Object.assign(new Error('database is locked'), { name: 'SqliteError', code: 'SQLITE_BUSY' });

describe('ArticleSearch', () => {
  it('ranks articles that match in the title above those that match only in the body', async () => {
    const side = graphReadSide();
    side.given(
      ...publishedArticle('body-only', 'Markets rally', 'Offshore wind farms lifted energy shares'),
      ...publishedArticle('in-title', 'Wind power breaks a record', 'Turbines in the north sea'),
      ...publishedArticle('unrelated', 'Election night', 'Counting continues'),
    );

    expect(await side.search.search('wind', 10)).toEqual(['in-title', 'body-only']);
  });

  it('finds words by their beginning, ignoring case and accents', async () => {
    const side = graphReadSide();
    side.given(...publishedArticle('x1', 'Café culture in Zürich', 'Body'));

    expect(await side.search.search('ZURI', 10)).toEqual(['x1']);
    expect(await side.search.search('cafe', 10)).toEqual(['x1']);
  });

  it('returns at most count ids', async () => {
    const side = graphReadSide();
    for (let i = 0; i < 5; i++) side.given(...publishedArticle(`x${i}`, `Budget ${i}`, 'Body'));

    expect(await side.search.search('budget', 3)).toHaveLength(3);
  });

  it('makes an article searchable only once it is published', async () => {
    const side = graphReadSide();
    side.given(e.drafted('x1', 1, { title: 'Secret plans' }));
    expect(await side.search.search('secret', 10)).toEqual([]);

    side.given(e.published('x1', 10));
    expect(await side.search.search('secret', 10)).toEqual(['x1']);
  });

  it('re-indexes a published article when it is revised', async () => {
    const side = graphReadSide();
    side.given(...publishedArticle('x1', 'Floods in the valley', 'Body'));

    side.given(e.revised('x1', 20, { title: 'Drought in the valley' }));

    expect(await side.search.search('floods', 10)).toEqual([]);
    expect(await side.search.search('drought', 10)).toEqual(['x1']);
  });

  it('drops a retracted article from the results', async () => {
    const side = graphReadSide();
    side.given(...publishedArticle('x1', 'Miracle cure found', 'Body'));

    side.given(e.retracted('x1', 40));

    expect(await side.search.search('miracle', 10)).toEqual([]);
    expect(side.search.size).toBe(0);
  });

  it('rebuilds from the published articles in SQLite at start-up', async () => {
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
    expect(await restarted.search('harbour', 10)).toEqual(['published']);
    restarted.close();
  });

  it('finds whole words in bodies and word beginnings in titles', async () => {
    const side = graphReadSide();
    side.given(...publishedArticle('x1', 'Election night', 'Turnout was unprecedented'));

    expect(await side.search.search('elect', 10)).toEqual(['x1']);
    expect(await side.search.search('turnout', 10)).toEqual(['x1']);
    expect(await side.search.search('turn', 10)).toEqual([]);
  });

  it('answers every search with the changes told before it', async () => {
    const side = graphReadSide();
    const answers: Promise<string[]>[] = [];
    for (let i = 0; i < 50; i++) {
      side.given(...publishedArticle(`x${i}`, `Harbour story ${i}`, 'Body'));
      answers.push(side.search.search('harbour', 100));
    }

    const sizes = (await Promise.all(answers)).map((ids) => ids.length);
    expect(sizes).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  });

  it('starts a new thread, filled from SQLite, when its thread is lost', async () => {
    const side = graphReadSide();
    side.given(...publishedArticle('x1', 'Harbour news', 'Body'));
    expect(await side.search.search('harbour', 10)).toEqual(['x1']);

    await crashSearchThreadForTests();
    side.given(...publishedArticle('x2', 'Harbour update', 'Body'));

    expect((await side.search.search('harbour', 10)).sort()).toEqual(['x1', 'x2']);
  });

  it('refuses searches once closed', async () => {
    const side = graphReadSide();
    side.search.close();

    await expect(side.search.search('harbour', 10)).rejects.toThrow('search index closed');
  });

  it('does not change when a batch fails and rolls back', async () => {
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
    expect(await side.search.search('rollback', 10)).toEqual([]);
    expect(side.db.prepare("SELECT status FROM articles WHERE id = 'x1'").get()).toEqual({
      status: 'DRAFT',
    });
    expect(side.runner.globalPosition()).toBe(batch[0]!.event.globalPosition - 1);
  });
});
