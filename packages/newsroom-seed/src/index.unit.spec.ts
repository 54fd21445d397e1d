import { describe, expect, it } from 'vitest';
import { datedSeedArticles, SEED_ARTICLES } from './index.js';

describe('datedSeedArticles', () => {
  const seededAt = new Date('2026-12-06T10:00:00.000Z');

  it('dates every article before the time of seeding, six hours apart, the newest six hours old', () => {
    const created = datedSeedArticles(seededAt).map((a) => Date.parse(a.created));
    expect(created).toHaveLength(SEED_ARTICLES.length);
    expect(created.at(-1)).toBe(seededAt.getTime() - 6 * 3_600_000);
    for (let i = 1; i < created.length; i++) {
      expect(created[i]! - created[i - 1]!).toBe(6 * 3_600_000);
    }
  });

  it('gives the same newsroom for the same time of seeding, moved along with it', () => {
    expect(datedSeedArticles(seededAt)).toEqual(datedSeedArticles(new Date(seededAt)));
    const dayLater = datedSeedArticles(new Date(seededAt.getTime() + 86_400_000));
    expect(dayLater.map((a) => Date.parse(a.created) - 86_400_000)).toEqual(
      datedSeedArticles(seededAt).map((a) => Date.parse(a.created)),
    );
    expect(datedSeedArticles(seededAt).map((a) => a.id)).toEqual(SEED_ARTICLES.map((a) => a.id));
  });
});
