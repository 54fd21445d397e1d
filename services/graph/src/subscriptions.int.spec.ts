import type { FairflaxEvent } from '@fairflax/events';
import { createLogger, envReader } from '@fairflax/service-kit';
import type { FastifyInstance } from 'fastify';
import { createClient, type Client } from 'graphql-ws';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { buildApp } from './app.js';
import { FELL_BEHIND_CLOSE_CODE } from './live-feed.js';
import { answerCache } from './query-cache.js';
import {
  INIT_TIMEOUT_CLOSE_CODE,
  liveSubscriptions,
  openLiveSubscriptions,
  type OpenLiveSubscriptions,
} from './subscriptions.js';
import {
  events as e,
  graphReadSide,
  postGraphql,
  recordingCommands,
  type GraphReadSide,
} from '../test/support.js';

interface LiveGraph {
  app: FastifyInstance;
  side: GraphReadSide;
  live: OpenLiveSubscriptions;
  url: string;
}

const opened: { app: FastifyInstance; clients: Client[] }[] = [];
afterEach(async () => {
  for (const { app, clients } of opened.splice(0)) {
    for (const client of clients) await client.dispose();
    await app.close();
  }
});

async function liveGraph(env: Record<string, string> = {}): Promise<LiveGraph> {
  const side = graphReadSide();
  side.given(e.registered('a1', 'Ada Lovelace'));
  const context = {
    db: side.db,
    runner: side.runner,
    env: envReader(env),
    logger: createLogger('graph-test'),
    inProcess: false,
    consumer: 'graph',
  };
  const live = openLiveSubscriptions(context);
  // As graph runs: a WebSocket upgrade must get past the answer cache's hook.
  const cache = { typeDefs: answerCache.typeDefs, ...(await answerCache.open(context)) };
  const app = await buildApp({
    db: side.db,
    runner: side.runner,
    search: side.search,
    commands: recordingCommands(),
    extensions: [cache, { typeDefs: liveSubscriptions.typeDefs, ...live }],
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as { port: number };
  opened.push({ app, clients: [] });
  return { app, side, live, url: `ws://127.0.0.1:${port}/graphql` };
}

function client(graph: LiveGraph, on: { connected?: (socket: WebSocket) => void } = {}): Client {
  const created = createClient({
    url: graph.url,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    on: { connected: (socket) => on.connected?.(socket as WebSocket) },
  });
  opened.at(-1)!.clients.push(created);
  return created;
}

/** Waits for a state of the server, not for time. */
async function until(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 2_000 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  if (!check()) throw new Error(`never saw ${what}`);
}

/** The first `count` results of a subscription, asked for at once. */
function firstResults(c: Client, query: string, count: number): Promise<unknown[]> {
  const results = c.iterate({ query });
  const taken: unknown[] = [];
  return (async () => {
    for await (const result of results) {
      taken.push(result);
      if (taken.length === count) break;
    }
    return taken;
  })();
}

/** Subscribes, ignoring what comes: it only holds a subscription open. */
function hold(c: Client, query: string): void {
  c.subscribe(
    { query },
    { next: () => undefined, error: () => undefined, complete: () => undefined },
  );
}

describe('live subscriptions over graphql-ws', () => {
  it('sends every applied event, and only what the filters ask for', async () => {
    const graph = await liveGraph();
    const c = client(graph);
    const all = firstResults(c, 'subscription { eventAppended { position type stream } }', 3);
    const published = firstResults(
      c,
      'subscription { eventAppended(type: "ArticlePublished") { position stream } }',
      1,
    );
    const ofX2 = firstResults(
      c,
      'subscription { eventAppended(stream: "article-x2") { type } }',
      1,
    );
    await until('three subscriptions', () => graph.live.stats().subscriptions === 3);

    graph.side.given(e.drafted('x1', 1), e.published('x1', 2), e.drafted('x2', 3));

    expect(await all).toEqual([
      { data: { eventAppended: { position: 2, type: 'ArticleDrafted', stream: 'article-x1' } } },
      { data: { eventAppended: { position: 3, type: 'ArticlePublished', stream: 'article-x1' } } },
      { data: { eventAppended: { position: 4, type: 'ArticleDrafted', stream: 'article-x2' } } },
    ]);
    expect(await published).toEqual([
      { data: { eventAppended: { position: 3, stream: 'article-x1' } } },
    ]);
    expect(await ofX2).toEqual([{ data: { eventAppended: { type: 'ArticleDrafted' } } }]);
  });

  it('sends an article of the category asked for as it was right after being published', async () => {
    const graph = await liveGraph();
    const c = client(graph);
    const politics = firstResults(
      c,
      `subscription { articlePublished(category: "politics") {
        id title status author { name } history { type } } }`,
      1,
    );
    await until('a subscription', () => graph.live.stats().subscriptions === 1);

    graph.side.given(
      e.drafted('biz', 1, { category: 'business' }),
      e.published('biz', 2),
      e.drafted('pol', 3, { category: 'politics', title: 'Vote' }),
      e.published('pol', 4),
      e.revised('pol', 5, { title: 'Vote, revised' }),
    );

    expect(await politics).toEqual([
      {
        data: {
          articlePublished: {
            id: 'pol',
            title: 'Vote',
            status: 'PUBLISHED',
            author: { name: 'Ada Lovelace' },
            history: [{ type: 'ArticleDrafted' }, { type: 'ArticlePublished' }],
          },
        },
      },
    ]);
  });

  it('closes the connection of a client that stops reading, with its queue kept to the bound', async () => {
    const graph = await liveGraph({ GRAPH_SUBSCRIPTION_QUEUE: '5' });
    let socket: WebSocket | undefined;
    const closed = new Promise<number>((resolve) => {
      const c = client(graph, { connected: (s) => (socket = s) });
      c.on('closed', (event) => resolve((event as { code: number }).code));
      c.subscribe(
        { query: 'subscription { eventAppended { payload } }' },
        {
          next: () => undefined,
          error: () => undefined,
          complete: () => undefined,
        },
      );
    });
    await until('a subscription', () => graph.live.stats().subscriptions === 1);
    socket!.pause();

    const body = 'x'.repeat(64 * 1024);
    for (let batch = 0; batch < 500 && graph.live.stats().fellBehind === 0; batch++) {
      const ids = Array.from({ length: 10 }, (_, i) => `big-${batch}-${i}`);
      graph.side.given(...ids.map((id): FairflaxEvent => e.drafted(id, 1, { body })));
      await new Promise((r) => setImmediate(r));
    }

    const stats = graph.live.stats();
    expect(stats.fellBehind).toBe(1);
    expect(stats.peakQueued).toBe(5);
    expect(stats).toMatchObject({ subscriptions: 0, queued: 0 });
    socket!.resume();
    expect(await closed).toBe(FELL_BEHIND_CLOSE_CODE);
  });

  it('refuses a subscription past the limit per connection, and a connection past the total', async () => {
    const graph = await liveGraph({
      GRAPH_SUBSCRIPTIONS_PER_CONNECTION: '2',
      GRAPH_SUBSCRIPTION_CONNECTIONS: '1',
    });
    const c = client(graph);
    hold(c, 'subscription { eventAppended { position } }');
    hold(c, 'subscription { articlePublished { id } }');
    await until('two subscriptions', () => graph.live.stats().subscriptions === 2);

    const third = await new Promise<unknown>((resolve) =>
      c.subscribe(
        { query: 'subscription { eventAppended { type } }' },
        { next: resolve, error: resolve, complete: () => resolve('completed') },
      ),
    );
    const status = await new Promise<number>((resolve, reject) => {
      const second = new WebSocket(graph.url, 'graphql-transport-ws');
      second.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      second.on('open', () => reject(new Error('a second connection was accepted')));
    });

    expect(third).toEqual([
      expect.objectContaining({ extensions: { code: 'TOO_MANY_SUBSCRIPTIONS' } }),
    ]);
    expect(status).toBe(503);
    expect(graph.live.stats().subscriptions).toBe(2);
  });

  it('closes a connection that sends nothing, so that it cannot hold a slot', async () => {
    const graph = await liveGraph({
      GRAPH_SUBSCRIPTION_CONNECTIONS: '1',
      GRAPH_SUBSCRIPTION_INIT_TIMEOUT_MS: '100',
    });
    const silent = new WebSocket(graph.url, 'graphql-transport-ws');
    const code = await new Promise<number>((resolve) => silent.on('close', resolve));

    const c = client(graph);
    const first = firstResults(c, 'subscription { eventAppended { position } }', 1);
    await until('a subscription', () => graph.live.stats().subscriptions === 1);
    graph.side.given(e.registered('a2', 'Grace Hopper'));

    expect(code).toBe(INIT_TIMEOUT_CLOSE_CODE);
    expect(await first).toHaveLength(1);
  });

  it('upgrades a connection whose URL also names a cached query', async () => {
    const graph = await liveGraph();
    const query = encodeURIComponent('{ events(first: 1) { position } }');
    const http = graph.url.replace('ws://', 'http://');
    for (let i = 0; i < 2; i++) expect((await fetch(`${http}?query=${query}`)).status).toBe(200);

    const socket = new WebSocket(`${graph.url}?query=${query}`, 'graphql-transport-ws');
    const opened = await new Promise<boolean>((resolve) => {
      socket.on('open', () => resolve(true));
      socket.on('unexpected-response', () => resolve(false));
    });
    socket.close();

    expect(opened).toBe(true);
  });

  it('checks a subscription as it checks a query', async () => {
    const graph = await liveGraph();
    const c = client(graph);
    const refusal = (query: string) =>
      new Promise<unknown>((resolve) =>
        c.subscribe({ query }, { next: resolve, error: resolve, complete: () => resolve('done') }),
      );

    const unknownField = await refusal('subscription { eventAppended { nope } }');
    const tooCostly = await refusal(
      'subscription { articlePublished { history(first: 500) { payload } } }',
    );

    expect(unknownField).toEqual([
      expect.objectContaining({ extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }),
    ]);
    expect(tooCostly).toEqual([
      expect.objectContaining({ extensions: { code: 'QUERY_TOO_COMPLEX' } }),
    ]);
    expect(graph.live.stats().subscriptions).toBe(0);
  });

  it('closes every connection when graph shuts down', async () => {
    const graph = await liveGraph();
    const closed = new Promise<number>((resolve) => {
      const c = client(graph);
      c.on('closed', (event) => resolve((event as { code: number }).code));
      hold(c, 'subscription { eventAppended { position } }');
    });
    await until('a subscription', () => graph.live.stats().subscriptions === 1);

    await graph.app.close();

    expect(await closed).toBe(1001);
    expect(graph.live.stats().subscriptions).toBe(0);
  });

  it('answers a subscription sent over HTTP with a coded error', async () => {
    const graph = await liveGraph();

    const { status, body } = await postGraphql(
      graph.app,
      'subscription { eventAppended { type } }',
    );

    expect(status).toBeLessThan(500);
    expect(body.errors?.[0]?.extensions?.code).toBe('BAD_REQUEST');
  });
});
