import type { WebsocketPluginOptions } from '@fastify/websocket';
import type { Database, ProjectionRunner } from '@fairflax/projections';
import type { EnvReader, Logger } from '@fairflax/service-kit';
import type { FastifyInstance } from 'fastify';
import type { IResolvers, MercuriusCommonOptions } from 'mercurius';

/** Part of graph's schema served from something beside its read model; `extensions.ts` lists them. */
export interface GraphExtension {
  /** Its types, and its fields as `extend type Query` (or a `type Subscription`). */
  typeDefs: string;
  open(context: GraphExtensionContext): Promise<OpenGraphExtension>;
}

export interface GraphExtensionContext {
  /** Graph's read model file: an extension keeps its tables there. */
  db: Database;
  /** What keeps the read model: `onCommitted` tells what each batch applied. */
  runner: ProjectionRunner;
  env: EnvReader;
  logger: Logger;
  /** One-process mode: no transport of its own to follow. */
  inProcess: boolean;
  /** Names the consumer group of what it follows (one per read model file). */
  consumer: string;
}

export interface OpenGraphExtension {
  resolvers: IResolvers;
  /** Given, graph serves GraphQL subscriptions over WebSocket at its GraphQL path. */
  subscription?: GraphSubscriptionServer;
  /** Routes and hooks of its own on graph's HTTP app, added once the GraphQL routes are. */
  http?(app: FastifyInstance): void | Promise<void>;
  close(): Promise<void>;
}

export interface GraphSubscriptionServer {
  /** The WebSocket server's options (`maxPayload`, `verifyClient`) and how it closes. */
  websocket: WebsocketPluginOptions;
  mercurius: Exclude<MercuriusCommonOptions['subscription'], boolean | undefined>;
}

/** What `buildApp` adds to the schema and the app. */
export type SchemaPart = Pick<GraphExtension, 'typeDefs'> &
  Pick<OpenGraphExtension, 'resolvers' | 'subscription' | 'http'>;
