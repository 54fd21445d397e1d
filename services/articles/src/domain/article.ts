import type { ArticleEvent } from '@fairflax/events';
import { IllegalStateError, NotFoundError, ValidationError } from './errors.js';
import { BODY_MAX, REASON_MAX, requiredText, TITLE_MAX, validCategory, validId } from './rules.js';

export type ArticleStatus = 'DRAFT' | 'PUBLISHED' | 'RETRACTED';

export type ArticleState =
  | { status: 'none' }
  | { status: ArticleStatus; id: string; title: string; body: string; category: string };

export type ArticleCommand =
  | {
      type: 'DraftArticle';
      data: {
        articleId: string;
        title: string;
        body: string;
        category: string;
        authorId: string;
        /** Null: not registered. The name travels in the event. */
        author: { id: string; name: string } | null;
        now: Date;
      };
    }
  | {
      type: 'ReviseArticle';
      data: { articleId: string; title?: string; body?: string; category?: string; now: Date };
    }
  | { type: 'PublishArticle'; data: { articleId: string; now: Date } }
  | { type: 'RetractArticle'; data: { articleId: string; reason: string; now: Date } };

export const initialArticleState = (): ArticleState => ({ status: 'none' });

export function evolveArticle(state: ArticleState, event: ArticleEvent): ArticleState {
  switch (event.type) {
    case 'ArticleDrafted':
      return {
        status: 'DRAFT',
        id: event.data.articleId,
        title: event.data.title,
        body: event.data.body,
        category: event.data.category,
      };
    case 'ArticleRevised': {
      if (state.status === 'none') return state;
      const { title, body, category } = event.data;
      return {
        ...state,
        ...(title !== undefined && { title }),
        ...(body !== undefined && { body }),
        ...(category !== undefined && { category }),
      };
    }
    case 'ArticlePublished':
      return state.status === 'none' ? state : { ...state, status: 'PUBLISHED' };
    case 'ArticleRetracted':
      return state.status === 'none' ? state : { ...state, status: 'RETRACTED' };
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}

function existing(state: ArticleState, articleId: string) {
  if (state.status === 'none') throw new NotFoundError(`article ${articleId} does not exist`);
  return state;
}

export function decideArticle(command: ArticleCommand, state: ArticleState): ArticleEvent[] {
  const articleId = validId('article_id', command.data.articleId);
  const at = command.data.now.toISOString();
  switch (command.type) {
    case 'DraftArticle': {
      const { author } = command.data;
      const authorId = validId('author_id', command.data.authorId);
      const title = requiredText('title', command.data.title, TITLE_MAX);
      const body = requiredText('body', command.data.body, BODY_MAX);
      const category = validCategory(command.data.category);
      if (!author) throw new NotFoundError(`author ${authorId} does not exist`);
      if (state.status !== 'none')
        throw new IllegalStateError(`article ${articleId} already exists`);
      const data = {
        articleId,
        title,
        body,
        category,
        authorId: author.id,
        authorName: author.name,
        draftedAt: at,
      };
      return [{ type: 'ArticleDrafted', data }];
    }
    case 'ReviseArticle': {
      const current = existing(state, articleId);
      if (current.status === 'RETRACTED') {
        throw new IllegalStateError(
          `article ${articleId} is retracted and can no longer be revised`,
        );
      }
      const title =
        command.data.title === undefined
          ? undefined
          : requiredText('title', command.data.title, TITLE_MAX);
      const body =
        command.data.body === undefined
          ? undefined
          : requiredText('body', command.data.body, BODY_MAX);
      const category =
        command.data.category === undefined ? undefined : validCategory(command.data.category);
      if (title === undefined && body === undefined && category === undefined) {
        throw new ValidationError('a revision needs at least one of title, body, category');
      }
      // A revision that changes nothing records nothing.
      const changes = {
        ...(title !== undefined && title !== current.title && { title }),
        ...(body !== undefined && body !== current.body && { body }),
        ...(category !== undefined && category !== current.category && { category }),
      };
      if (Object.keys(changes).length === 0) return [];
      return [{ type: 'ArticleRevised', data: { articleId, ...changes, revisedAt: at } }];
    }
    case 'PublishArticle': {
      const current = existing(state, articleId);
      if (current.status === 'RETRACTED') {
        throw new IllegalStateError(`article ${articleId} is retracted and cannot be published`);
      }
      if (current.status === 'PUBLISHED') {
        throw new IllegalStateError(`article ${articleId} is already published`);
      }
      return [{ type: 'ArticlePublished', data: { articleId, publishedAt: at } }];
    }
    case 'RetractArticle': {
      const reason = requiredText('reason', command.data.reason, REASON_MAX);
      const current = existing(state, articleId);
      if (current.status !== 'PUBLISHED') {
        throw new IllegalStateError(
          `article ${articleId} is ${current.status.toLowerCase()}; only a published article can be retracted`,
        );
      }
      return [{ type: 'ArticleRetracted', data: { articleId, reason, retractedAt: at } }];
    }
    default: {
      const unknown: never = command;
      return unknown;
    }
  }
}
