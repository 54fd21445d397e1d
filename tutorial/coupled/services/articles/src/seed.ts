import type { Article } from '@fairflax/coupled-publishing-api';
import { SEED_ARTICLES, SEED_AUTHORS, type SeedAuthor } from '@fairflax/newsroom-seed';

export type Author = SeedAuthor;
export { SEED_AUTHORS };

/** The sample newsroom as the in-memory mock holds it. */
export function seedArticles(): Article[] {
  const names = new Map(SEED_AUTHORS.map((a) => [a.id, a.name]));
  return SEED_ARTICLES.map((a) => ({
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
