import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { articlesHandlers, toGrpcError } from './grpc-server.js';
import { InMemoryArticles } from './store.js';
import { NotFoundError, ValidationError } from './validation.js';

const fixedNow = () => new Date('2026-04-01T12:00:00Z');
const handlers = () => articlesHandlers(new InMemoryArticles(fixedNow));

function expectInvalid(fn: () => unknown, message: RegExp) {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(ValidationError);
  expect(toGrpcError(caught)).toEqual({
    code: grpc.status.INVALID_ARGUMENT,
    details: expect.stringMatching(message),
  });
}

describe('CreateArticle', () => {
  const valid = { title: 'T', body: 'B', category: 'business', authorId: 'hiro-tanaka' };

  it.each([
    ['title', /title is required/],
    ['body', /body is required/],
    ['category', /category is required/],
  ])('rejects a missing %s with INVALID_ARGUMENT', (field, message) => {
    expectInvalid(() => handlers()['CreateArticle']!({ ...valid, [field]: '  ' }), message);
  });

  it('rejects a category that is not a lowercase slug', () => {
    expectInvalid(
      () => handlers()['CreateArticle']!({ ...valid, category: 'Business News' }),
      /lowercase/,
    );
  });

  it('rejects an unknown author', () => {
    expectInvalid(
      () => handlers()['CreateArticle']!({ ...valid, authorId: 'nobody' }),
      /author nobody does not exist/,
    );
  });

  it('creates a draft by default, stamped with the injected clock and the author name', () => {
    const created = handlers()['CreateArticle']!(valid);
    expect(created).toMatchObject({
      title: 'T',
      status: 'ARTICLE_STATUS_DRAFT',
      authorName: 'Hiro Tanaka',
      created: '2026-04-01T12:00:00.000Z',
      modified: '2026-04-01T12:00:00.000Z',
    });
  });
});

describe('ListArticles', () => {
  it.each([0, 51, -1, 2.5])('rejects count %s with INVALID_ARGUMENT', (count) => {
    expectInvalid(() => handlers()['ListArticles']!({ count }), /count must be from 1 to 50/);
  });

  it('rejects an unknown status value', () => {
    expectInvalid(() => handlers()['ListArticles']!({ status: 7 }), /status 7 is unknown/);
  });

  it('defaults to 10 articles, newest first, filtered by category and status', () => {
    const { articles } = handlers()['ListArticles']!({
      category: 'business',
      status: 'ARTICLE_STATUS_PUBLISHED',
    }) as { articles: { created: string; category: string; status: string }[] };
    expect(articles.length).toBe(6);
    expect(
      articles.every((a) => a.category === 'business' && a.status === 'ARTICLE_STATUS_PUBLISHED'),
    ).toBe(true);
    const created = articles.map((a) => a.created);
    expect(created).toEqual([...created].sort().reverse());
    expect((handlers()['ListArticles']!({}) as { articles: unknown[] }).articles).toHaveLength(10);
  });
});

describe('GetArticle and UpdateArticle', () => {
  it('maps an unknown id to NOT_FOUND', () => {
    let caught: unknown;
    try {
      handlers()['GetArticle']!({ id: 'seed-9999' });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(NotFoundError);
    expect(toGrpcError(caught).code).toBe(grpc.status.NOT_FOUND);
  });

  it('changes only the fields that are set and bumps modified', () => {
    const h = handlers();
    const before = h['GetArticle']!({ id: 'seed-0001' }) as Record<string, string>;
    const after = h['UpdateArticle']!({ id: 'seed-0001', title: 'New title' }) as Record<
      string,
      string
    >;
    expect(after['title']).toBe('New title');
    expect(after['body']).toBe(before['body']);
    expect(after['modified']).toBe('2026-04-01T12:00:00.000Z');
  });

  it('hides internal errors behind INTERNAL', () => {
    expect(toGrpcError(new TypeError('boom'))).toEqual({
      code: grpc.status.INTERNAL,
      details: 'internal error',
    });
  });
});
