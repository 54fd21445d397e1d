import type { Database } from '@fairflax/projections';
import type { EnvReader, Logger } from '@fairflax/service-kit';
import type { IResolvers } from 'mercurius';

/** Part of graph's schema served from something beside its read model; `extensions.ts` lists them. */
export interface GraphExtension {
  /** Its types, and its fields as `extend type Query`. */
  typeDefs: string;
  open(context: GraphExtensionContext): Promise<OpenGraphExtension>;
}

export interface GraphExtensionContext {
  /** Graph's read model file: an extension keeps its tables there. */
  db: Database;
  env: EnvReader;
  logger: Logger;
  /** One-process mode: no transport of its own to follow. */
  inProcess: boolean;
  /** Names the consumer group of what it follows (one per read model file). */
  consumer: string;
}

export interface OpenGraphExtension {
  resolvers: IResolvers;
  close(): Promise<void>;
}

/** What `buildApp` adds to the schema. */
export type SchemaPart = Pick<GraphExtension, 'typeDefs'> & Pick<OpenGraphExtension, 'resolvers'>;
