import type { Article } from '@fairflax/coupled-publishing-api';
import { datedSeedArticles, SEED_AUTHORS, type SeedAuthor } from '@fairflax/newsroom-seed';

export type Author = SeedAuthor;
export { SEED_AUTHORS };

/** The sample newsroom as the in-memory mock holds it, dated back from `seededAt`. */
export function seedArticles(seededAt: Date): Article[] {
  const names = new Map(SEED_AUTHORS.map((a) => [a.id, a.name]));
  return datedSeedArticles(seededAt).map((a) => ({
    id: a.id,
    title: a.title,
    body: a.body,
    category: a.category,
    authorId: a.authorId,
    authorName: names.get(a.authorId) ?? a.authorId,
    created: a.created,
    modified: a.created,
    status: a.status,
  }));
}
