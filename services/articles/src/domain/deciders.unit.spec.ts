import type { ArticleEvent, AuthorEvent } from '@fairflax/events';
import { describe, expect, it } from 'vitest';
import {
  decideArticle,
  evolveArticle,
  initialArticleState,
  type ArticleCommand,
} from './article.js';
import { decideAuthor, evolveAuthor, initialAuthorState, type AuthorCommand } from './author.js';
import { IllegalStateError, NotFoundError, ValidationError } from './errors.js';

const now = new Date('2026-05-04T10:00:00.000Z');
const at = now.toISOString();
const author = { id: 'amara', name: 'Amara Okafor' };

/** A ValidationError naming `field`, in its message and as its `field`. */
function refuses(decide: () => unknown, field: string, message: RegExp) {
  let caught: unknown;
  try {
    decide();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(ValidationError);
  expect(caught).toMatchObject({ field, message: expect.stringMatching(message) as unknown });
  expect((caught as Error).message).toContain(field);
}

/** given(events).when(command).then(events) | .thenThrows(ErrorClass, message) | .thenRefuses(field, message) */
function givenArticle(...events: ArticleEvent[]) {
  const state = events.reduce(evolveArticle, initialArticleState());
  return {
    when: (command: ArticleCommand) => ({
      then: (expected: ArticleEvent[]) => expect(decideArticle(command, state)).toEqual(expected),
      thenThrows: (error: new (m: string) => Error, message: RegExp) => {
        expect(() => decideArticle(command, state)).toThrowError(error);
        expect(() => decideArticle(command, state)).toThrowError(message);
      },
      thenRefuses: (field: string, message: RegExp) =>
        refuses(() => decideArticle(command, state), field, message),
    }),
  };
}

function givenAuthor(...events: AuthorEvent[]) {
  const state = events.reduce(evolveAuthor, initialAuthorState());
  return {
    when: (command: AuthorCommand) => ({
      then: (expected: AuthorEvent[]) => expect(decideAuthor(command, state)).toEqual(expected),
      thenThrows: (error: new (m: string) => Error, message: RegExp) => {
        expect(() => decideAuthor(command, state)).toThrowError(error);
        expect(() => decideAuthor(command, state)).toThrowError(message);
      },
      thenRefuses: (field: string, message: RegExp) =>
        refuses(() => decideAuthor(command, state), field, message),
    }),
  };
}

const drafted: ArticleEvent = {
  type: 'ArticleDrafted',
  data: {
    articleId: 'a1',
    title: 'Rates hold',
    body: 'Body',
    category: 'business',
    authorId: 'amara',
    authorName: 'Amara Okafor',
    draftedAt: at,
  },
};
const published: ArticleEvent = {
  type: 'ArticlePublished',
  data: { articleId: 'a1', publishedAt: at },
};
const retracted: ArticleEvent = {
  type: 'ArticleRetracted',
  data: { articleId: 'a1', reason: 'wrong', retractedAt: at },
};

const draft = (
  data: Partial<Extract<ArticleCommand, { type: 'DraftArticle' }>['data']> = {},
): ArticleCommand => ({
  type: 'DraftArticle',
  data: {
    articleId: 'a1',
    title: ' Rates hold ',
    body: 'Body',
    category: 'business',
    authorId: author.id,
    author,
    now,
    ...data,
  },
});
const revise = (data: { title?: string; body?: string; category?: string }): ArticleCommand => ({
  type: 'ReviseArticle',
  data: { articleId: 'a1', now, ...data },
});
const publish: ArticleCommand = { type: 'PublishArticle', data: { articleId: 'a1', now } };
const retract = (reason = 'factual error'): ArticleCommand => ({
  type: 'RetractArticle',
  data: { articleId: 'a1', reason, now },
});

describe('Article', () => {
  describe('drafting', () => {
    it('records a draft with trimmed text, the time from the command and the author name', () =>
      givenArticle().when(draft()).then([drafted]));
    it.each([
      ['title', { title: '  ' }, /title is required/],
      ['body', { body: '' }, /body is required/],
      ['category', { category: '' }, /category is required/],
    ])('refuses a draft without a %s', (_field, data, message) =>
      givenArticle().when(draft(data)).thenThrows(ValidationError, message),
    );
    it('refuses a category that is not a lowercase slug', () =>
      givenArticle()
        .when(draft({ category: 'Hot News!' }))
        .thenThrows(ValidationError, /lowercase/));
    it('refuses a title over 200 characters', () =>
      givenArticle()
        .when(draft({ title: 'x'.repeat(201) }))
        .thenThrows(ValidationError, /longer than 200/));
    it('refuses a draft by an author who is not registered, after checking the text', () => {
      givenArticle()
        .when(draft({ author: null, authorId: 'ghost' }))
        .thenThrows(NotFoundError, /author ghost does not exist/);
      givenArticle()
        .when(draft({ author: null, title: '' }))
        .thenThrows(ValidationError, /title is required/);
    });
    it('refuses to draft an article id twice', () =>
      givenArticle(drafted)
        .when(draft())
        .thenThrows(IllegalStateError, /already exists/));
  });

  describe('ids', () => {
    const badIds: [string, string, RegExp][] = [
      ['empty', '', /is required/],
      ['101 characters long', 'x'.repeat(101), /longer than 100/],
      ['10 KB long', 'x'.repeat(10_240), /longer than 100/],
      ['with a space inside', 'a 1', /whitespace/],
      ['with leading whitespace (refused, not trimmed)', ' a1', /whitespace/],
      ['with a control character', 'x\u0007y', /U\+0007/],
      ['with a zero-width space', 'x\u200by', /U\+200B/],
      ['with a lone surrogate', 'x\ud800y', /not well-formed/],
    ];
    it.each(badIds)('refuses a draft whose article id is %s', (_, articleId, message) =>
      givenArticle().when(draft({ articleId })).thenRefuses('article_id', message),
    );
    it.each(badIds)('refuses a draft whose author id is %s', (_, authorId, message) =>
      givenArticle()
        .when(draft({ authorId, author: null }))
        .thenRefuses('author_id', message),
    );
    it.each(badIds)(
      'refuses revise, publish and retract of an article whose id is %s',
      (_, articleId, message) => {
        const data = { articleId, now };
        for (const command of [
          { type: 'ReviseArticle', data: { ...data, title: 'T' } },
          { type: 'PublishArticle', data },
          { type: 'RetractArticle', data: { ...data, reason: 'wrong' } },
        ] as const) {
          givenArticle(drafted, published).when(command).thenRefuses('article_id', message);
        }
      },
    );
    it('keeps an id exactly as sent, and refuses it with a trailing space instead of trimming', () => {
      const articleId = 'Zürich-北京-😀';
      givenArticle()
        .when(draft({ articleId }))
        .then([{ ...drafted, data: { ...drafted.data, articleId } }]);
      givenArticle()
        .when(draft({ articleId: `${articleId} ` }))
        .thenRefuses('article_id', /whitespace/);
    });
  });

  describe('ill-formed text', () => {
    it.each([
      ['title', { title: 'Rates \ud800 hold' }],
      ['body', { body: '\udfffBody' }],
      ['category', { category: 'business\ud83d' }],
    ])('refuses a draft with a lone surrogate in its %s', (field, data) =>
      givenArticle()
        .when(draft(data))
        .thenRefuses(field, /is not well-formed Unicode/),
    );
    it('refuses a revision with a lone surrogate in its title', () =>
      givenArticle(drafted)
        .when(revise({ title: 'x\ud800' }))
        .thenRefuses('title', /is not well-formed Unicode/));
    it('refuses a retraction with a lone surrogate in its reason', () =>
      givenArticle(drafted, published)
        .when(retract('wrong \udc00'))
        .thenRefuses('reason', /is not well-formed Unicode/));
  });

  describe('revising', () => {
    it('records only the fields that change', () =>
      givenArticle(drafted)
        .when(revise({ title: 'Rates hold', body: 'New body' }))
        .then([
          { type: 'ArticleRevised', data: { articleId: 'a1', body: 'New body', revisedAt: at } },
        ]));
    it('records nothing when nothing changes', () =>
      givenArticle(drafted)
        .when(revise({ title: 'Rates hold' }))
        .then([]));
    it('can revise a published article', () =>
      givenArticle(drafted, published)
        .when(revise({ category: 'politics' }))
        .then([
          {
            type: 'ArticleRevised',
            data: { articleId: 'a1', category: 'politics', revisedAt: at },
          },
        ]));
    it('refuses a revision without a title', () =>
      givenArticle(drafted)
        .when(revise({ title: ' ' }))
        .thenThrows(ValidationError, /title is required/));
    it('refuses a revision that names no field', () =>
      givenArticle(drafted)
        .when(revise({}))
        .thenThrows(ValidationError, /at least one of/));
    it('refuses to revise a retracted article', () =>
      givenArticle(drafted, published, retracted)
        .when(revise({ title: 'x' }))
        .thenThrows(IllegalStateError, /retracted/));
    it('refuses to revise an article that does not exist', () =>
      givenArticle()
        .when(revise({ title: 'x' }))
        .thenThrows(NotFoundError, /does not exist/));
  });

  describe('publishing', () => {
    it('publishes a draft', () => givenArticle(drafted).when(publish).then([published]));
    it('cannot publish a retracted article', () =>
      givenArticle(drafted, published, retracted)
        .when(publish)
        .thenThrows(IllegalStateError, /retracted and cannot be published/));
    it('cannot publish twice', () =>
      givenArticle(drafted, published)
        .when(publish)
        .thenThrows(IllegalStateError, /already published/));
    it('cannot publish an article that does not exist', () =>
      givenArticle()
        .when(publish)
        .thenThrows(NotFoundError, /does not exist/));
  });

  describe('retracting', () => {
    it('retracts a published article with a reason', () =>
      givenArticle(drafted, published)
        .when(retract(' factual error '))
        .then([
          {
            type: 'ArticleRetracted',
            data: { articleId: 'a1', reason: 'factual error', retractedAt: at },
          },
        ]));
    it('cannot retract a draft', () =>
      givenArticle(drafted)
        .when(retract())
        .thenThrows(IllegalStateError, /is draft; only a published/));
    it('cannot retract without a reason', () =>
      givenArticle(drafted, published)
        .when(retract(''))
        .thenThrows(ValidationError, /reason is required/));
  });
});

describe('Author', () => {
  const registered: AuthorEvent = {
    type: 'AuthorRegistered',
    data: { authorId: 'amara', name: 'Amara Okafor', registeredAt: at },
  };
  const rename = (name: string): AuthorCommand => ({
    type: 'RenameAuthor',
    data: { authorId: 'amara', name, now },
  });

  it('registers an author', () =>
    givenAuthor()
      .when({ type: 'RegisterAuthor', data: { authorId: 'amara', name: 'Amara Okafor', now } })
      .then([registered]));
  it('refuses to register the same author twice', () =>
    givenAuthor(registered)
      .when({ type: 'RegisterAuthor', data: { authorId: 'amara', name: 'A', now } })
      .thenThrows(IllegalStateError, /already registered/));
  it('renames an author, remembering the previous name', () =>
    givenAuthor(registered)
      .when(rename('Amara Okafor-Reid'))
      .then([
        {
          type: 'AuthorRenamed',
          data: {
            authorId: 'amara',
            name: 'Amara Okafor-Reid',
            previousName: 'Amara Okafor',
            renamedAt: at,
          },
        },
      ]));
  it('records nothing when the name is unchanged', () =>
    givenAuthor(registered).when(rename(' Amara Okafor ')).then([]));
  it('refuses an empty name', () =>
    givenAuthor(registered)
      .when(rename(''))
      .thenThrows(ValidationError, /name is required/));
  it('refuses a lone surrogate in a name', () =>
    givenAuthor(registered)
      .when(rename('Amara \ud800'))
      .thenRefuses('name', /name is not well-formed Unicode/));
  it.each([
    ['blank', ' ', /author_id/],
    ['with a control character', 'am\u0000ara', /U\+0000/],
    ['101 characters long', 'a'.repeat(101), /longer than 100/],
  ])('refuses to register an author whose id is %s', (_, authorId, message) =>
    givenAuthor()
      .when({ type: 'RegisterAuthor', data: { authorId, name: 'A', now } })
      .thenRefuses('author_id', message),
  );
  it('refuses to rename an author by an id with a lone surrogate, before looking it up', () =>
    givenAuthor()
      .when({ type: 'RenameAuthor', data: { authorId: 'amara\udbff', name: 'X', now } })
      .thenRefuses('author_id', /not well-formed/));
  it('cannot rename an unknown author', () =>
    givenAuthor()
      .when(rename('X'))
      .thenThrows(NotFoundError, /does not exist/));
});
