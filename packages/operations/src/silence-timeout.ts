import type { Delivery, EventSource } from '@fairflax/projections';

export interface SilenceTimeoutOptions {
  /** How long one batch may take to come before the batches fail with `giveUp(waitedMs)`. */
  timeoutMs: number;
  giveUp: (waitedMs: number) => Error;
  /** Called every `noteEveryMs` (5 s by default) while a batch is awaited. */
  onWaiting?: (waitedMs: number) => void;
  noteEveryMs?: number;
}

/**
 * The source's batches, failing once it stays silent for `timeoutMs`. A source that reconnects
 * forever (the feeds do) never ends on its own, which suits a service but hangs a command.
 * Only the wait for a batch counts, not the time the consumer spends on one.
 */
export function withSilenceTimeout(
  source: EventSource,
  options: SilenceTimeoutOptions,
): EventSource {
  return {
    async *batches(from, signal, offsetOf) {
      const inner = new AbortController();
      const abort = () => inner.abort();
      signal.addEventListener('abort', abort, { once: true });
      const batches = source.batches(from, inner.signal, offsetOf)[Symbol.asyncIterator]();
      try {
        for (;;) {
          const next = await bounded(batches.next(), options);
          if (next.done) return;
          yield next.value;
        }
      } finally {
        signal.removeEventListener('abort', abort);
        inner.abort();
        // Not awaited: after a timeout the inner next() may still be pending, and return() waits for it.
        void Promise.resolve(batches.return?.()).catch(() => undefined);
      }
    },
  };
}

function bounded(
  pending: Promise<IteratorResult<readonly Delivery[]>>,
  { timeoutMs, giveUp, onWaiting, noteEveryMs = 5_000 }: SilenceTimeoutOptions,
): Promise<IteratorResult<readonly Delivery[]>> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const note = setInterval(() => onWaiting?.(Date.now() - started), noteEveryMs);
    const timer = setTimeout(() => {
      clearInterval(note);
      reject(giveUp(Date.now() - started));
    }, timeoutMs);
    pending.then(resolve, reject).finally(() => {
      clearInterval(note);
      clearTimeout(timer);
    });
  });
}
