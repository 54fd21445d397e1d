import type * as grpc from '@grpc/grpc-js';
import { articleImport } from './article-import.js';
import type { ArticlesServerDeps } from './grpc-server.js';

export type GrpcExtension = (server: grpc.Server, deps: ArticlesServerDeps) => void;

/** What articles serves over gRPC beside its commands and the event feed. */
export const grpcExtensions: GrpcExtension[] = [articleImport];
