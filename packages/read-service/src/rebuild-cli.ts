import { parseArgs } from 'node:util';
import { formatProgress, rebuildReadModel, type Projection } from '@fairflax/projections';
import { EmbeddedFeed } from '@fairflax/publishing-api';

/**
 * The body of each read service's `rebuild` command: replays the whole articles log into a
 * fresh copy of the read model with a progress bar, then swaps it in. Stop the service first.
 *
 *   pnpm --filter @fairflax/rss rebuild [--articles 127.0.0.1:50051] [--db path]
 */
export async function runRebuildCli(options: {
  service: string;
  projection: Projection;
  defaultDbPath: string;
  defaultAddress: string;
}): Promise<void> {
  const { values } = parseArgs({
    options: { articles: { type: 'string' }, db: { type: 'string' } },
  });
  const address = values.articles ?? options.defaultAddress;
  const dbPath = values.db ?? options.defaultDbPath;
  const feed = new EmbeddedFeed(address, { batchSize: 2_000, maxBackoffMs: 1_000 });
  const tty = process.stderr.isTTY;
  let lastPrinted = 0;
  process.stderr.write(`rebuilding ${options.service} read model ${dbPath} from ${address}\n`);
  try {
    const result = await rebuildReadModel({
      dbPath,
      projection: options.projection,
      source: feed,
      headPosition: () => feed.status.headPosition,
      onProgress: (p) => {
        const now = Date.now();
        if (now - lastPrinted < 200 && p.position < p.head) return;
        lastPrinted = now;
        process.stderr.write(tty ? `\r${formatProgress(p)}` : `${formatProgress(p)}\n`);
      },
    });
    process.stderr.write(
      `${tty ? '\n' : ''}done: ${result.events} events in ${(result.elapsedMs / 1000).toFixed(1)} s\n`,
    );
    if (result.parked > 0) {
      process.stderr.write(
        `${result.parked} events could not be applied and are parked: ` +
          `pnpm --filter @fairflax/${options.service} dead-letters list\n`,
      );
    }
  } finally {
    feed.close();
  }
}
