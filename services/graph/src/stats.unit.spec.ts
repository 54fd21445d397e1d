import { describe, expect, it } from 'vitest';
import { buildApp } from './app.js';
import { articleStats, ArticleStatsView, statsResolvers } from './stats.js';
import { graphReadSide, postGraphql, recordingCommands } from '../test/support.js';

const record = (value: object | string) => ({
  key: 'k',
  value: Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)),
});

async function appWith(stats: boolean) {
  const side = graphReadSide();
  const view = stats ? new ArticleStatsView(side.db) : undefined;
  const app = await buildApp({
    db: side.db,
    runner: side.runner,
    search: side.search,
    commands: recordingCommands(),
    extensions: [{ typeDefs: articleStats.typeDefs, resolvers: statsResolvers(view) }],
  });
  return { app, view };
}

describe('categoryStats and authorStats', () => {
  it('serve the latest count per key and hour from the stream processor, newest hour first', async () => {
    const { app, view } = await appWith(true);
    const { applied, rejected } = view!.apply([
      record({ kind: 'category', key: 'business', hour: '2026-03-01T08:00:00.000Z', published: 1 }),
      record({ kind: 'category', key: 'business', hour: '2026-03-01T08:00:00.000Z', published: 3 }),
      record({ kind: 'category', key: 'politics', hour: '2026-03-01T09:00:00.000Z', published: 2 }),
      record({ kind: 'author', key: 'a1', hour: '2026-03-01T09:00:00.000Z', published: 5 }),
      record('not json'),
      record({ kind: 'weather', key: 'x', hour: 'h', published: 1 }),
    ]);
    expect({ applied, rejected: rejected.length }).toEqual({ applied: 4, rejected: 2 });

    const res = await postGraphql(
      app,
      '{ categoryStats(since: "2026-03-01T00:00:00Z") { key hour published } authorStats(since: "2026-03-01T00:00:00Z") { key published } }',
    );
    expect(res.body.data).toEqual({
      categoryStats: [
        { key: 'politics', hour: '2026-03-01T09:00:00.000Z', published: 2 },
        { key: 'business', hour: '2026-03-01T08:00:00.000Z', published: 3 },
      ],
      authorStats: [{ key: 'a1', published: 5 }],
    });
    const later = await postGraphql(
      app,
      '{ categoryStats(since: "2026-03-01T09:00:00Z") { key } }',
    );
    expect(later.body.data).toEqual({ categoryStats: [{ key: 'politics' }] });
    await app.close();
  });

  it('reject a since that is not a time with BAD_USER_INPUT', async () => {
    const { app } = await appWith(true);
    const res = await postGraphql(app, '{ categoryStats(since: "yesterday") { key } }');
    expect(res.body.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
    await app.close();
  });

  it('say they need the stream processor when graph runs without it', async () => {
    const { app } = await appWith(false);
    const res = await postGraphql(app, '{ categoryStats { key } }');
    expect(res.status).toBe(501);
    expect(res.body.errors?.[0]?.extensions?.['code']).toBe('NOT_AVAILABLE');
    expect(res.body.errors?.[0]?.message).toMatch(/Kafka transport/);
    await app.close();
  });
});
