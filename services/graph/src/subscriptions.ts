import type { EnvReader } from '@fairflax/service-kit';
import type { FastifyInstance } from 'fastify';
import {
  GraphQLError,
  Kind,
  specifiedRules,
  validate,
  type DocumentNode,
  type GraphQLResolveInfo,
} from 'graphql';
import mercurius, { type MercuriusContext } from 'mercurius';
import type { WebSocket, WebSocketServer } from 'ws';
import type { GraphExtension, GraphExtensionContext, OpenGraphExtension } from './extension.js';
import { EventHistory, type LoggedEvent } from './history.js';
import { checkCost, limitRules, limitsFrom, type GraphqlLimits } from './limits.js';
import {
  LiveFeed,
  type LiveConnection,
  type LiveFeedLimits,
  type LiveFeedStats,
} from './live-feed.js';
import type { ArticleView } from './read-model.js';

export interface SubscriptionLimits extends LiveFeedLimits {
  /** WebSocket connections open at once; more are refused with HTTP 503 before the upgrade. */
  connections: number;
  keepAliveMs: number;
  /** A connection that has sent nothing (no `connection_init`) by then is closed with 4408. */
  initTimeoutMs: number;
}

type LiveContext = MercuriusContext & { live?: LiveConnection };

/** A subscription message carries a query, its variables and an id. */
export const MAX_MESSAGE_BYTES = 64 * 1024;

export function subscriptionLimitsFrom(env: EnvReader): SubscriptionLimits {
  return {
    connections: env.int('GRAPH_SUBSCRIPTION_CONNECTIONS', 100, { min: 1, max: 100_000 }),
    subscriptionsPerConnection: env.int('GRAPH_SUBSCRIPTIONS_PER_CONNECTION', 10, {
      min: 1,
      max: 1_000,
    }),
    maxQueued: env.int('GRAPH_SUBSCRIPTION_QUEUE', 1_000, { min: 1, max: 1_000_000 }),
    maxQueuedBytes: env.int('GRAPH_SUBSCRIPTION_QUEUE_BYTES', 4 * 1024 * 1024, {
      min: 1_024,
      max: 1_024 ** 3,
    }),
    keepAliveMs: env.int('GRAPH_SUBSCRIPTION_KEEP_ALIVE_MS', 15_000, {
      min: 1_000,
      max: 3_600_000,
    }),
    initTimeoutMs: env.int('GRAPH_SUBSCRIPTION_INIT_TIMEOUT_MS', 3_000, {
      min: 100,
      max: 60_000,
    }),
  };
}

const typeDefs = /* GraphQL */ `
  "over WebSocket at /graphql, subprotocol graphql-transport-ws"
  type Subscription {
    "every event graph applies from now on; type and stream filter exactly"
    eventAppended(type: String, stream: String): LoggedEvent!
    "an article as it is right after being published (its history stops there)"
    articlePublished(category: String): Article!
  }
`;

/** Over HTTP the root holds no event: mercurius runs a subscription there as a query. */
const overHttp = () =>
  new mercurius.ErrorWithProps(
    'subscriptions are served over WebSocket at /graphql (subprotocol graphql-transport-ws)',
    { code: 'BAD_REQUEST' },
    400,
  );

/** graphql-js does not validate a subscription's document: the same checks a query passes. */
function checkOperation(limits: GraphqlLimits, info: GraphQLResolveInfo): void {
  const document: DocumentNode = {
    kind: Kind.DOCUMENT,
    definitions: [info.operation, ...Object.values(info.fragments)],
  };
  const [invalid] = validate(info.schema, document, [...specifiedRules, ...limitRules(limits)]);
  if (invalid) {
    throw new GraphQLError(invalid.message, {
      ...(invalid.nodes && { nodes: invalid.nodes }),
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED', ...invalid.extensions },
    });
  }
  checkCost(limits, info.schema, document, info.variableValues, undefined);
}

/** graphql-ws' code for a client that never initialised: it cannot hold a connection slot. */
export const INIT_TIMEOUT_CLOSE_CODE = 4408;

function closeUninitialised(socket: WebSocket, timeoutMs: number): void {
  const timer = setTimeout(
    () => socket.close(INIT_TIMEOUT_CLOSE_CODE, 'connection initialisation timeout'),
    timeoutMs,
  );
  timer.unref();
  const settled = () => clearTimeout(timer);
  socket.once('message', settled);
  socket.once('close', settled);
}

/** Sockets that can no longer be read are let go at once; the others are told why. */
function closeAll(server: WebSocketServer): void {
  for (const socket of server.clients) {
    if (socket.bufferedAmount > 0) socket.terminate();
    else socket.close(1001, 'graph is shutting down');
  }
}

export type OpenLiveSubscriptions = OpenGraphExtension & {
  /** What is queued now, and how many connections fell behind. */
  stats(): LiveFeedStats;
};

/** Live events from graph's own runner over WebSocket: README, "Live subscriptions". */
export const liveSubscriptions: GraphExtension = {
  typeDefs,
  open: (context) => Promise.resolve(openLiveSubscriptions(context)),
};

export function openLiveSubscriptions({
  db,
  runner,
  env,
}: GraphExtensionContext): OpenLiveSubscriptions {
  const limits = subscriptionLimitsFrom(env);
  const queryLimits = limitsFrom(env);
  const feed = new LiveFeed(runner, new EventHistory(db), limits);
  const connections = new WeakMap<WebSocket, LiveConnection>();
  let server: WebSocketServer | undefined;

  const connectionOf = (context: LiveContext) => {
    if (!context.live) throw overHttp();
    return context.live;
  };
  const resolvers = {
    Subscription: {
      eventAppended: {
        subscribe: (
          _: unknown,
          args: { type?: string | null; stream?: string | null },
          context: LiveContext,
          info: GraphQLResolveInfo,
        ) => {
          const connection = connectionOf(context);
          checkOperation(queryLimits, info);
          const events = feed.eventAppended(connection, {
            ...(args.type != null && { type: args.type }),
            ...(args.stream != null && { stream: args.stream }),
          });
          return mapItems(events, (event) => ({ eventAppended: event }));
        },
        resolve: (payload: { eventAppended?: LoggedEvent }) =>
          payload.eventAppended ?? Promise.reject(overHttp()),
      },
      articlePublished: {
        subscribe: (
          _: unknown,
          args: { category?: string | null },
          context: LiveContext,
          info: GraphQLResolveInfo,
        ) => {
          const connection = connectionOf(context);
          checkOperation(queryLimits, info);
          const articles = feed.articlePublished(connection, args.category ?? undefined);
          return mapItems(articles, (article) => ({ articlePublished: article }));
        },
        resolve: (payload: { articlePublished?: ArticleView }) =>
          payload.articlePublished ?? Promise.reject(overHttp()),
      },
    },
  };

  return {
    resolvers,
    subscription: {
      websocket: {
        options: {
          maxPayload: MAX_MESSAGE_BYTES,
          verifyClient: (_info, accept) => {
            if ((server?.clients.size ?? 0) < limits.connections) accept(true);
            else accept(false, 503, 'too many subscription connections');
          },
        },
        preClose(done) {
          feed.close();
          if (!server) return done();
          closeAll(server);
          server.close(() => done());
        },
      },
      mercurius: {
        keepAlive: limits.keepAliveMs,
        context: (socket: WebSocket) => {
          let live = connections.get(socket);
          if (!live) connections.set(socket, (live = { socket, subscriptions: new Set() }));
          return { live };
        },
      },
    },
    http(app: FastifyInstance) {
      server = app.websocketServer;
      server.on('connection', (socket) => closeUninitialised(socket, limits.initTimeoutMs));
    },
    stats: () => feed.stats(),
    close: () => {
      feed.close();
      return Promise.resolve();
    },
  };
}

/** `subscribe` answers an async iterable of payloads keyed by the field's name. */
function mapItems<T, U>(
  items: AsyncIterableIterator<T>,
  map: (item: T) => U,
): AsyncIterableIterator<U> {
  return {
    next: async () => {
      const result = await items.next();
      return result.done ? result : { value: map(result.value), done: false };
    },
    return: async () => {
      await items.return?.();
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
