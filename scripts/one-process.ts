/**
 * All four services in ONE Node process, talking through the in-process bus (async channels
 * with backpressure) instead of the articles gRPC feed: articles relays its event store to the
 * bus, and each read service follows the bus as its own consumer group. Same ports and data
 * folder as `pnpm start`; Ctrl-C stops everything.
 *
 *   pnpm start:one-process
 */
import {
  busEventSource,
  InProcessBus,
  memoryCheckpoint,
  relayEvents,
  type FollowedSource,
} from '@fairflax/bus';
import {
  closeOnSignals,
  createLogger,
  envReader,
  runMain,
  type Closer,
} from '@fairflax/service-kit';
import { startArticles } from '@fairflax/articles/service';
import { startGraph } from '@fairflax/graph/service';
import { startRss } from '@fairflax/rss/service';
import { startSitemap } from '@fairflax/sitemap/service';

runMain('one-process', async () => {
  const env = envReader();
  const logger = createLogger('one-process');
  // One partition: every consumer sees the log in its global order, as over the gRPC feed.
  // With more, an author's rename could overtake an older draft of theirs (see step 2).
  const bus = new InProcessBus({ partitions: 1 });

  const articles = await startArticles({ env, logger: createLogger('articles') });
  const relaying = new AbortController();
  // The bus lives and dies with this process, so the relay starts from the beginning each
  // time; read models skip what they already applied.
  const relay = relayEvents(articles.store, bus, memoryCheckpoint(0), {
    signal: relaying.signal,
  }).catch((err: unknown) => logger.error({ err }, 'relay stopped'));

  const source = (service: string): FollowedSource => ({
    ...busEventSource(bus, { topics: ['author', 'article'], group: service }),
    status: () => ({ bus: 'in-process', group: service }),
    close: () => undefined,
  });
  const readers: Closer[] = [];
  readers.push(await startGraph({ env, logger: createLogger('graph'), source: source('graph') }));
  readers.push(await startRss({ env, logger: createLogger('rss'), source: source('rss') }));
  readers.push(
    await startSitemap({ env, logger: createLogger('sitemap'), source: source('sitemap') }),
  );

  closeOnSignals(logger, [
    ...readers,
    async () => {
      relaying.abort();
      await relay;
    },
    () => bus.close(),
    articles.close,
  ]);
});
