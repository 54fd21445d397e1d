import { randomUUID } from 'node:crypto';
import type { EventStore } from '@fairflax/event-store';
import { datedSeedArticles, SEED_AUTHORS } from '@fairflax/newsroom-seed';
import { ArticlesApplication } from './application.js';

/**
 * Through the same commands an editor would run, dated back from `seededAt` so that the last
 * publication and retraction still precede it; does nothing if the store has events.
 */
export async function seedNewsroom(store: EventStore, seededAt: Date): Promise<number> {
  if ((await store.headPosition()) > 0) return 0;
  const articles = datedSeedArticles(seededAt);
  let now = new Date(articles[0]?.created ?? seededAt);
  const app = new ArticlesApplication(store, { now: () => now, newId: randomUUID });
  const seedCommand = (name: string) => ({ commandId: `seed:${name}` });
  for (const author of SEED_AUTHORS) {
    await app.handleAuthor(
      { type: 'RegisterAuthor', data: { authorId: author.id, name: author.name } },
      seedCommand(author.id),
    );
  }
  for (const article of articles) {
    now = new Date(article.created);
    const { id: articleId } = article;
    await app.handleArticle(
      {
        type: 'DraftArticle',
        data: {
          articleId,
          title: article.title,
          body: article.body,
          category: article.category,
          authorId: article.authorId,
        },
      },
      seedCommand(`${articleId}:draft`),
    );
    if (article.status === 'DRAFT') continue;
    now = new Date(now.getTime() + 15 * 60_000);
    await app.handleArticle(
      { type: 'PublishArticle', data: { articleId } },
      seedCommand(`${articleId}:publish`),
    );
    if (article.status === 'RETRACTED') {
      now = new Date(now.getTime() + 60 * 60_000);
      await app.handleArticle(
        { type: 'RetractArticle', data: { articleId, reason: 'The poll was unweighted.' } },
        seedCommand(`${articleId}:retract`),
      );
    }
  }
  return store.headPosition();
}
