import { ConcurrencyError, InMemoryEventStore } from '@fairflax/event-store';
import { decodeEvent } from '@fairflax/events';
import { describe, expect, it } from 'vitest';
import { ArticlesApplication } from './application.js';
import { NotFoundError, ValidationError } from './domain/errors.js';
import { seedNewsroom } from './seed.js';
import { SEED_ARTICLES, SEED_AUTHORS } from '@fairflax/newsroom-seed';

function setup() {
  const store = new InMemoryEventStore();
  let n = 0;
  const app = new ArticlesApplication(store, {
    now: () => new Date('2026-06-01T08:00:00.000Z'),
    newId: () => `id-${++n}`,
  });
  return { store, app };
}

const draft = (articleId: string, authorId = 'zoe') =>
  ({
    type: 'DraftArticle',
    data: { articleId, title: 'T', body: 'B', category: 'business', authorId },
  }) as const;

describe('ArticlesApplication', () => {
  it('refuses to draft for an author who is not registered', async () => {
    const { app } = setup();
    await expect(app.handleArticle(draft('a1', 'ghost'))).rejects.toThrowError(NotFoundError);
  });

  it("copies the author's current name into the drafted event", async () => {
    const { app, store } = setup();
    await app.handleAuthor({ type: 'RegisterAuthor', data: { authorId: 'zoe', name: 'Zoë' } });
    await app.handleAuthor({ type: 'RenameAuthor', data: { authorId: 'zoe', name: 'Zoë Adams' } });
    const outcome = await app.handleArticle(draft('a1'));
    expect(outcome).toMatchObject({
      streamId: 'article-a1',
      streamVersion: 1,
      globalPosition: 3,
      duplicate: false,
    });
    const [stored] = await store.readStream('article-a1');
    expect(decodeEvent(stored!.type, stored!.schemaVersion, stored!.data).data).toMatchObject({
      authorName: 'Zoë Adams',
    });
  });

  it('answers a repeated command id with the first result, even after the stream moved on', async () => {
    const { app, store } = setup();
    await app.handleAuthor({ type: 'RegisterAuthor', data: { authorId: 'zoe', name: 'Zoë' } });
    await app.handleArticle(draft('a1'));
    const first = await app.handleArticle(
      { type: 'PublishArticle', data: { articleId: 'a1' } },
      { commandId: 'pub-1' },
    );
    await app.handleArticle({ type: 'ReviseArticle', data: { articleId: 'a1', title: 'Later' } });
    const again = await app.handleArticle(
      { type: 'PublishArticle', data: { articleId: 'a1' } },
      { commandId: 'pub-1' },
    );
    expect(again).toEqual({ ...first, duplicate: true });
    expect(await store.readStream('article-a1')).toHaveLength(3);
  });

  it('checks the expected version the client sent', async () => {
    const { app } = setup();
    await app.handleAuthor({ type: 'RegisterAuthor', data: { authorId: 'zoe', name: 'Zoë' } });
    await app.handleArticle(draft('a1'));
    await expect(
      app.handleArticle(
        { type: 'PublishArticle', data: { articleId: 'a1' } },
        { expectedVersion: 0 },
      ),
    ).rejects.toThrowError(ConcurrencyError);
    await expect(
      app.handleArticle(
        { type: 'PublishArticle', data: { articleId: 'a1' } },
        { expectedVersion: 1 },
      ),
    ).resolves.toMatchObject({ streamVersion: 2 });
  });

  it('stores nothing for a revision that changes nothing and reports the current version', async () => {
    const { app, store } = setup();
    await app.handleAuthor({ type: 'RegisterAuthor', data: { authorId: 'zoe', name: 'Zoë' } });
    const drafted = await app.handleArticle(draft('a1'));
    const outcome = await app.handleArticle({
      type: 'ReviseArticle',
      data: { articleId: 'a1', title: 'T' },
    });
    expect(outcome).toEqual({
      streamId: 'article-a1',
      streamVersion: 1,
      globalPosition: drafted.globalPosition,
      duplicate: false,
    });
    expect(await store.headPosition()).toBe(2);
  });

  it('re-decides commands that lose a race when the client sent no expected version', async () => {
    const { app, store } = setup();
    await app.handleAuthor({ type: 'RegisterAuthor', data: { authorId: 'zoe', name: 'Zoë' } });
    await app.handleArticle(draft('a1'));
    const revisions = await Promise.all(
      ['one', 'two', 'three'].map((body) =>
        app.handleArticle({ type: 'ReviseArticle', data: { articleId: 'a1', body } }),
      ),
    );
    expect(revisions.map((r) => r.streamVersion).sort()).toEqual([2, 3, 4]);
    expect(await store.readStream('article-a1')).toHaveLength(4);
  });
});

describe('ArticlesApplication, checking what it is given', () => {
  it.each([
    ['a command id with a space', { commandId: 'pub 1' }, 'command_id', /whitespace/],
    ['a command id with surrounding space', { commandId: ' pub-1' }, 'command_id', /whitespace/],
    ['a 10 KB command id', { commandId: 'c'.repeat(10_240) }, 'command_id', /longer than 100/],
    ['a command id with a lone surrogate', { commandId: 'c\ud800' }, 'command_id', /well-formed/],
    ['expected version -1', { expectedVersion: -1 }, 'expected_version', /got -1/],
    ['expected version 1.5', { expectedVersion: 1.5 }, 'expected_version', /non-negative/],
    ['expected version NaN', { expectedVersion: NaN }, 'expected_version', /non-negative/],
  ])('refuses %s before reading or writing anything', async (_, context, field, message) => {
    const { app, store } = setup();
    let reads = 0;
    const readStream = store.readStream.bind(store);
    store.readStream = (...args) => {
      reads++;
      return readStream(...args);
    };
    const outcome = app.handleArticle(
      { type: 'PublishArticle', data: { articleId: 'a1' } },
      context,
    );
    await expect(outcome).rejects.toThrowError(ValidationError);
    await expect(outcome).rejects.toMatchObject({ field, message: expect.stringMatching(message) });
    expect(reads).toBe(0);
    expect(await store.headPosition()).toBe(0);
  });

  it('gives up with the ConcurrencyError once its retry budget is spent', async () => {
    const { store } = setup();
    let appends = 0;
    store.append = (streamId) => {
      appends++;
      return Promise.reject(new ConcurrencyError(streamId, 0, 1));
    };
    const app = new ArticlesApplication(
      store,
      { now: () => new Date(), newId: () => 'id' },
      { attempts: 5, withinMs: 10_000, baseMs: 1, capMs: 1 },
    );
    await expect(
      app.handleAuthor({ type: 'RegisterAuthor', data: { authorId: 'zoe', name: 'Zoë' } }),
    ).rejects.toThrowError(ConcurrencyError);
    expect(appends).toBe(5);
  });
});

describe('seedNewsroom', () => {
  const seededAt = new Date('2026-12-06T10:00:00.000Z');

  it('registers every author and writes every article once, and only into an empty store', async () => {
    const store = new InMemoryEventStore();
    const head = await seedNewsroom(store, seededAt);
    const published = SEED_ARTICLES.filter((a) => a.status !== 'DRAFT').length;
    const retracted = SEED_ARTICLES.filter((a) => a.status === 'RETRACTED').length;
    expect(head).toBe(SEED_AUTHORS.length + SEED_ARTICLES.length + published + retracted);
    expect(await seedNewsroom(store, seededAt)).toBe(0);
    expect(await store.headPosition()).toBe(head);
  });

  it('dates the newsroom back from the time of seeding: all before it, the newest publications within the last day', async () => {
    const store = new InMemoryEventStore();
    await seedNewsroom(store, seededAt);
    const times = (await store.readAll(0, 1_000)).map((stored) => {
      const { data } = decodeEvent(stored.type, stored.schemaVersion, stored.data) as {
        data: Record<string, unknown>;
      };
      const at = data['registeredAt'] ?? data['draftedAt'] ?? data['publishedAt'];
      return { type: stored.type, at: Date.parse(String(at ?? data['retractedAt'])) };
    });
    const hoursAgo = (at: number) => (seededAt.getTime() - at) / 3_600_000;
    expect(times.every(({ at }) => hoursAgo(at) > 0)).toBe(true);
    const published = times.filter((t) => t.type === 'ArticlePublished').map((t) => hoursAgo(t.at));
    expect(Math.min(...published)).toBeLessThan(24);
    // Inside the news sitemap's two days: seed-0017 to seed-0022, and seed-0024 (later retracted).
    expect(published.filter((h) => h <= 48)).toHaveLength(7);
    expect(Math.max(...published)).toBeGreaterThan(48);
  });
});

describe('ArticlesApplication.handleArticleCommands', () => {
  const publish = (articleId: string) => ({ type: 'PublishArticle', data: { articleId } }) as const;

  it('decides each command on the state the one before leaves and stores them in one append', async () => {
    const { app, store } = setup();
    await app.handleAuthor({ type: 'RegisterAuthor', data: { authorId: 'zoe', name: 'Zoë' } });
    const outcome = await app.handleArticleCommands([draft('a1'), publish('a1')], {
      commandId: 'import-1',
    });
    expect(outcome).toEqual({
      streamId: 'article-a1',
      streamVersion: 2,
      globalPosition: 3,
      duplicate: false,
    });
    const stored = await store.readStream('article-a1');
    expect(stored.map((e) => [e.type, e.metadata['commandId']])).toEqual([
      ['ArticleDrafted', 'import-1'],
      ['ArticlePublished', 'import-1'],
    ]);
    expect(
      await app.handleArticleCommands([draft('a1'), publish('a1')], { commandId: 'import-1' }),
    ).toEqual({ ...outcome, duplicate: true });
  });

  it('stores none of them when a later one is refused', async () => {
    const { app, store } = setup();
    await app.handleAuthor({ type: 'RegisterAuthor', data: { authorId: 'zoe', name: 'Zoë' } });
    await expect(
      app.handleArticleCommands([draft('a1'), publish('a1'), publish('a1')]),
    ).rejects.toThrowError('article a1 is already published');
    expect(await store.readStream('article-a1')).toEqual([]);
  });

  it('refuses commands that name different articles, naming the field', async () => {
    const { app } = setup();
    await expect(app.handleArticleCommands([draft('a1'), publish('a2')])).rejects.toMatchObject({
      name: 'ValidationError',
      field: 'article_id',
    });
  });

  it('reads an author once for the commands that share its reads', async () => {
    const { app, store } = setup();
    await app.handleAuthor({ type: 'RegisterAuthor', data: { authorId: 'zoe', name: 'Zoë' } });
    let authorReads = 0;
    const readStream = store.readStream.bind(store);
    store.readStream = (streamId, from) => {
      if (streamId === 'author-zoe') authorReads++;
      return readStream(streamId, from);
    };
    const authors = new Map();
    await Promise.all(
      ['a1', 'a2', 'a3'].map((id) => app.handleArticleCommands([draft(id)], {}, authors)),
    );
    expect(authorReads).toBe(1);
    await app.handleArticle(draft('a4'));
    expect(authorReads).toBe(2);
    const [stored] = await store.readStream('article-a3');
    expect(decodeEvent(stored!.type, stored!.schemaVersion, stored!.data).data).toMatchObject({
      authorName: 'Zoë',
    });
  });
});
