import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

export const PROTO_PATH = fileURLToPath(
  new URL('../../../proto/publishing.proto', import.meta.url),
);

/** int64 as decimal strings, exact past 2^53; `defaults: false` keeps unset optionals undefined. */
export function loadProto(path: string): grpc.GrpcObject {
  return grpc.loadPackageDefinition(
    protoLoader.loadSync(path, {
      keepCase: false,
      longs: String,
      enums: String,
      bytes: Buffer,
      defaults: false,
      oneofs: true,
    }),
  );
}

interface PublishingPackage {
  fairflax: {
    publishing: {
      v1: { Articles: grpc.ServiceClientConstructor; EventFeed: grpc.ServiceClientConstructor };
    };
  };
}

const loaded = loadProto(PROTO_PATH) as unknown as PublishingPackage;

export const ArticlesService = loaded.fairflax.publishing.v1.Articles;
export const EventFeedService = loaded.fairflax.publishing.v1.EventFeed;
