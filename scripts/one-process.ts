/** `pnpm start:one-process`: all four services in one process over the in-process bus. */
import { busEventSource, InProcessBus, memoryCheckpoint, relayEvents } from '@fairflax/bus';
import type { FollowedSource } from '@fairflax/event-store';
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
  // One partition keeps the global order: with more, a rename could overtake an older draft.
  const bus = new InProcessBus({ partitions: 1 });

  const articles = await startArticles({ env, logger: createLogger('articles') });
  const relaying = new AbortController();
  // The bus dies with the process, so relay from the start; read models skip what they applied.
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
