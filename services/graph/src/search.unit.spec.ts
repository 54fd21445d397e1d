import type { Delivery } from '@fairflax/projections';
import { describe, expect, it } from 'vitest';
import { ArticleSearch } from './search.js';
import { events as e, graphReadSide } from './testing.js';

const publishedArticle = (id: string, title: string, body: string) => [
  e.drafted(id, 1, { title, body }),
  e.published(id, 10),
];

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
    const batch = side.next([e.published('x1', 10)]);
    const unreadable: Delivery = {
      ...batch[0]!,
      position: batch[0]!.position + 1,
      event: { ...batch[0]!.event, globalPosition: batch[0]!.position + 1, type: 'NoSuchEvent' },
    };

    expect(() => side.runner.applyBatch([...batch, unreadable])).toThrow();

    expect(side.search.search('rollback', 10)).toEqual([]);
    expect(side.db.prepare("SELECT status FROM articles WHERE id = 'x1'").get()).toEqual({ status: 'DRAFT' });
  });
});
