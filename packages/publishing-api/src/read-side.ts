import { followSource, type ProjectionRunner } from '@fairflax/projections';
import type { EnvReader, Logger } from '@fairflax/service-kit';
import { openEventSource, TRANSPORT_NAMES, type FollowedSource } from './transport.js';

export interface FollowArticlesLogOptions {
  /** The read service: names its consumer group on a broker. */
  service: string;
  runner: ProjectionRunner;
  logger: Logger;
  env: EnvReader;
  /** `(name) => import(name)` from the service, so adapters resolve from its dependencies. */
  load: (packageName: string) => Promise<unknown>;
  /** Use this source instead of the configured transport (one-process mode). */
  source?: FollowedSource;
}

export interface FollowingLog {
  status: () => object;
  stop: () => Promise<void>;
}

/**
 * Keeps a read service's projection following the articles log over the transport chosen by
 * TRANSPORT (default `embedded`: articles' own gRPC feed at ARTICLES_ADDRESS). The read model
 * keeps serving while the log is unreachable; connection changes are logged once each.
 */
export async function followArticlesLog(options: FollowArticlesLogOptions): Promise<FollowingLog> {
  const { env, logger, runner } = options;
  const transport = env.oneOf('TRANSPORT', TRANSPORT_NAMES, 'embedded');
  const articlesAddress = env.address('ARTICLES_ADDRESS', '127.0.0.1:50051');
  const source =
    options.source ??
    (await openEventSource(
      transport,
      {
        service: options.service,
        articlesAddress,
        env: process.env,
        onConnectionChange: (connected, status) => {
          if (connected) logger.info({ transport, status }, 'following the articles log');
          else logger.warn({ transport, status }, 'articles log unreachable; serving what was applied so far');
        },
      },
      options.load,
    ));
  const following = followSource(runner, source, logger);
  return {
    status: () => ({ transport: options.source ? 'in-process' : transport, ...source.status() }),
    stop: async () => {
      await following.stop();
      await source.close();
    },
  };
}
