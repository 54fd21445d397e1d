import type { ArticleDrafted, ArticleRevised } from '@fairflax/events';
import { seededRandom, TextSource } from './text.js';

export const BENCH_AUTHOR = { id: 'bench-author', name: 'Bench Author' } as const;

/** Lengths that make an encoded ArticleDrafted (and ArticleRevised) ~360 bytes. */
export const TITLE_CHARS = 60;
export const BODY_CHARS = 215;
export const REVISED_BODY_CHARS = 316;

/** Same-size rows for raw inserts, our store and Emmett; a cycled pool costs nothing timed. */
export class AppendPayloads {
  private readonly titles: string[] = [];
  private readonly bodies: string[] = [];
  private readonly revisedBodies: string[] = [];

  constructor(seed = 1) {
    const text = new TextSource(seededRandom(seed));
    for (let i = 0; i < 64; i++) {
      this.titles.push(text.title(TITLE_CHARS));
      this.bodies.push(text.text(BODY_CHARS));
      this.revisedBodies.push(text.text(REVISED_BODY_CHARS));
    }
  }

  title(i: number): string {
    return this.titles[i % this.titles.length]!;
  }

  body(i: number): string {
    return this.bodies[i % this.bodies.length]!;
  }

  drafted(i: number, articleId: string, at: string): ArticleDrafted {
    return {
      type: 'ArticleDrafted',
      data: {
        articleId,
        title: this.title(i),
        body: this.body(i),
        category: 'business',
        authorId: BENCH_AUTHOR.id,
        authorName: BENCH_AUTHOR.name,
        draftedAt: at,
      },
    };
  }

  revised(i: number, articleId: string, at: string): ArticleRevised {
    return {
      type: 'ArticleRevised',
      data: { articleId, body: this.revisedBodies[i % this.revisedBodies.length]!, revisedAt: at },
    };
  }
}

export const benchArticleId = (run: string, worker: number, i: number) => `${run}-w${worker}-${i}`;
