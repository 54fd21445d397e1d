import { describe, expect, it } from 'vitest';
import {
  currentSchemaVersion,
  decodeEvent,
  encodeEvent,
  encodeLegacy,
  UnknownEventError,
  type FairflaxEvent,
} from './index.js';

const samples: FairflaxEvent[] = [
  {
    type: 'AuthorRegistered',
    data: { authorId: 'a1', name: 'Zoë', registeredAt: '2026-01-01T00:00:00.000Z' },
  },
  {
    type: 'AuthorRenamed',
    data: {
      authorId: 'a1',
      name: 'Zoë B',
      previousName: 'Zoë',
      renamedAt: '2026-01-02T00:00:00.000Z',
    },
  },
  {
    type: 'ArticleDrafted',
    data: {
      articleId: 'x',
      title: 'T <&>',
      body: 'B',
      category: 'business',
      authorId: 'a1',
      authorName: 'Zoë',
      draftedAt: '2026-01-01T00:00:00.000Z',
    },
  },
  {
    type: 'ArticleRevised',
    data: { articleId: 'x', title: 'New', revisedAt: '2026-01-01T00:00:00.000Z' },
  },
  { type: 'ArticlePublished', data: { articleId: 'x', publishedAt: '2026-01-01T00:00:00.000Z' } },
  {
    type: 'ArticleRetracted',
    data: { articleId: 'x', reason: 'wrong', retractedAt: '2026-01-01T00:00:00.000Z' },
  },
];

describe('event registry', () => {
  it.each(samples)('round-trips $type through protobuf', (event) => {
    const encoded = encodeEvent(event);
    expect(encoded.type).toBe(event.type);
    expect(encoded.schemaVersion).toBe(currentSchemaVersion(event.type));
    expect(decodeEvent(encoded.type, encoded.schemaVersion, encoded.data)).toEqual(event);
  });

  it('keeps unset optional fields of a revision absent', () => {
    const { data } = encodeEvent({
      type: 'ArticleRevised',
      data: { articleId: 'x', body: '', revisedAt: 't' },
    });
    const decoded = decodeEvent('ArticleRevised', 1, data);
    expect(decoded.data).toEqual({ articleId: 'x', body: '', revisedAt: 't' });
    expect('title' in decoded.data).toBe(false);
  });

  it('upcasts an ArticleDrafted of schema version 1 (enum category) to the current shape', () => {
    const v1 = encodeLegacy('ArticleDrafted', 1, {
      articleId: 'old',
      title: 'From the archive',
      body: 'B',
      category: 'CATEGORY_ENVIRONMENT',
      authorId: 'a1',
      authorName: 'Zoë',
      draftedAt: '2019-05-01T00:00:00.000Z',
    });
    expect(decodeEvent('ArticleDrafted', 1, v1)).toEqual({
      type: 'ArticleDrafted',
      data: {
        articleId: 'old',
        title: 'From the archive',
        body: 'B',
        category: 'environment',
        authorId: 'a1',
        authorName: 'Zoë',
        draftedAt: '2019-05-01T00:00:00.000Z',
      },
    });
  });

  it('refuses unknown types and versions instead of guessing', () => {
    expect(() => decodeEvent('ArticleSpiked', 1, new Uint8Array())).toThrowError(UnknownEventError);
    expect(() => decodeEvent('ArticleDrafted', 9, new Uint8Array())).toThrowError(
      /no schema version 9/,
    );
  });

  it('rejects data that does not fit the message', () => {
    expect(() =>
      encodeEvent({
        type: 'ArticlePublished',
        data: { articleId: 42 as unknown as string, publishedAt: 't' },
      }),
    ).toThrowError(/invalid ArticlePublished/);
  });
});
