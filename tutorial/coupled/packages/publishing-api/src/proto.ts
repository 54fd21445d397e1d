import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

export const PROTO_PATH = fileURLToPath(
  new URL('../../../proto/publishing.proto', import.meta.url),
);

/**
 * `defaults: false` keeps unset optional fields undefined, so "count not given" and "count: 0"
 * stay distinguishable; enums travel as their names.
 */
const packageDefinition = protoLoader.loadSync(PROTO_PATH, {
  keepCase: false,
  longs: String,
  enums: String,
  defaults: false,
  oneofs: true,
});

interface PublishingPackage {
  fairflax: { publishing: { v1: { Articles: grpc.ServiceClientConstructor } } };
}

const loaded = grpc.loadPackageDefinition(packageDefinition) as unknown as PublishingPackage;

export const ArticlesService = loaded.fairflax.publishing.v1.Articles;
