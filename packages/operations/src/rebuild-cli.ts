import { parseArgs } from 'node:util';
import type { Projection } from '@fairflax/projections';
import { CATCH_UP_BATCH, EmbeddedFeed } from '@fairflax/publishing-api';
import { envReader } from '@fairflax/service-kit';
import { formatProgress, rebuildReadModel } from './rebuild.js';
import { withSilenceTimeout } from './silence-timeout.js';

/** Articles stayed silent for REBUILD_TIMEOUT: the rebuild gave up, the read model is unchanged. */
class ArticlesSilentError extends Error {}

/**
 * The body of each read service's `rebuild` command: replays the whole articles log into a
 * fresh copy of the read model with a progress bar, then swaps it in. Stop the service first.
 * It reads articles' gRPC feed whatever TRANSPORT says, and gives up (exit code 1, the read
 * model unchanged) once articles has been silent for REBUILD_TIMEOUT seconds (30).
 *
 *   pnpm rebuild-read-model rss [--articles 127.0.0.1:50051] [--db path]
 */
export async function runRebuildCli(options: {
  service: string;
  projection: Projection;
  defaultDbPath: string;
  defaultAddress: string;
  /** The arguments after the read model's name. */
  args: readonly string[];
}): Promise<void> {
  const { values } = parseArgs({
    args: [...options.args],
    options: { articles: { type: 'string' }, db: { type: 'string' } },
  });
  const address = values.articles ?? options.defaultAddress;
  const dbPath = values.db ?? options.defaultDbPath;
  const timeoutS = envReader().int('REBUILD_TIMEOUT', 30, { min: 1, max: 86_400 });
  const feed = new EmbeddedFeed(address, { batchSize: CATCH_UP_BATCH, maxBackoffMs: 1_000 });
  const tty = process.stderr.isTTY;
  const write = (line: string) => process.stderr.write(line);
  let barShown = false;
  let lastPrinted = 0;
  // grpc-js appends an empty "Resolution note: " to its connection errors.
  const lastError = () => feed.status.lastError?.replace(/\.? Resolution note: *$/, '');
  write(
    `rebuilding ${options.service} read model ${dbPath} from articles at ${address} ` +
      `(gives up after ${timeoutS} s without an answer: REBUILD_TIMEOUT)\n`,
  );
  try {
    const result = await rebuildReadModel({
      dbPath,
      projection: options.projection,
      source: withSilenceTimeout(feed, {
        timeoutMs: timeoutS * 1000,
        onWaiting: (waitedMs) => {
          const why = lastError();
          write(
            `${tty && barShown ? '\n' : ''}waiting for articles at ${address}: no answer for ` +
              `${Math.round(waitedMs / 1000)} s${why ? ` (${why})` : ''}; giving up at ${timeoutS} s\n`,
          );
          barShown = false;
        },
        giveUp: (waitedMs) =>
          new ArticlesSilentError(
            `gave up after ${Math.round(waitedMs / 1000)} s (REBUILD_TIMEOUT) without an answer ` +
              `from articles at ${address}${lastError() ? `: ${lastError()}` : ''}. Is articles ` +
              `running there? (--articles host:port or ARTICLES_ADDRESS sets the address.) ` +
              `The read model ${dbPath} is left as it was.`,
          ),
      }),
      headPosition: () => feed.status.headPosition,
      onProgress: (p) => {
        const now = Date.now();
        if (now - lastPrinted < 200 && p.position < p.head) return;
        lastPrinted = now;
        barShown = true;
        write(tty ? `\r${formatProgress(p)}` : `${formatProgress(p)}\n`);
      },
    });
    write(
      `${tty && barShown ? '\n' : ''}done: ${result.events} events in ${(result.elapsedMs / 1000).toFixed(1)} s\n`,
    );
    if (result.parked > 0) {
      write(
        `${result.parked} events could not be applied and are parked: ` +
          `pnpm dead-letters ${options.service} list\n`,
      );
    }
  } catch (err) {
    if (!(err instanceof ArticlesSilentError)) throw err;
    write(`${tty && barShown ? '\n' : ''}${options.service} rebuild: ${err.message}\n`);
    process.exitCode = 1;
  } finally {
    feed.close();
  }
}
