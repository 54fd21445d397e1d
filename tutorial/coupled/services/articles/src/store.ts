import type { Article, ArticleStatus } from '@fairflax/coupled-publishing-api';
import { NotFoundError, ValidationError } from './validation.js';
import { SEED_AUTHORS, seedArticles, type Author } from './seed.js';

export interface NewArticle {
  title: string;
  body: string;
  category: string;
  authorId: string;
  status: ArticleStatus;
}

export type ArticleChanges = Partial<Pick<Article, 'title' | 'body' | 'category' | 'status'>>;

/** An in-memory mock, lost on restart, and the only copy: why every other service must ask it. */
export class InMemoryArticles {
  private readonly articles = new Map<string, Article>();
  private readonly authors = new Map<string, Author>();
  private nextId: number;

  constructor(
    private readonly now: () => Date = () => new Date(),
    seed = true,
  ) {
    for (const author of SEED_AUTHORS) this.authors.set(author.id, author);
    if (seed) for (const article of seedArticles(now())) this.articles.set(article.id, article);
    this.nextId = this.articles.size + 1;
  }

  get(id: string): Article {
    const article = this.articles.get(id);
    if (!article) throw new NotFoundError(`article ${id} does not exist`);
    return article;
  }

  create(input: NewArticle): Article {
    const author = this.authors.get(input.authorId);
    if (!author) throw new ValidationError(`author ${input.authorId} does not exist`);
    const timestamp = this.now().toISOString();
    const article: Article = {
      id: `article-${String(this.nextId++).padStart(4, '0')}`,
      title: input.title,
      body: input.body,
      category: input.category,
      authorId: author.id,
      authorName: author.name,
      created: timestamp,
      modified: timestamp,
      status: input.status,
    };
    this.articles.set(article.id, article);
    return article;
  }

  update(id: string, changes: ArticleChanges): Article {
    const updated: Article = { ...this.get(id), ...changes, modified: this.now().toISOString() };
    this.articles.set(id, updated);
    return updated;
  }

  /** Newest first by creation time. */
  list(filter: { category?: string; status?: ArticleStatus; count: number }): Article[] {
    const matches = [...this.articles.values()].filter(
      (a) =>
        (filter.category === undefined || a.category === filter.category) &&
        (filter.status === undefined || a.status === filter.status),
    );
    matches.sort((a, b) => b.created.localeCompare(a.created) || b.id.localeCompare(a.id));
    return matches.slice(0, filter.count);
  }
}
