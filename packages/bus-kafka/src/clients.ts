import type { Admin, Producer } from 'kafkajs';

/** How long to wait for a topic's partitions to have leaders. */
export const LEADER_WAIT_MS = 10_000;

/** A kafkajs client and its connection under way: a failed connect leaves nothing open. */
export interface Connecting<T extends Producer | Admin> {
  client: T;
  ready: Promise<T>;
}

export function connecting<T extends Producer | Admin>(client: T): Connecting<T> {
  const ready = client.connect().then(
    () => client,
    async (err: unknown) => {
      await client.disconnect().catch(() => undefined);
      throw err;
    },
  );
  ready.catch(() => undefined);
  return { client, ready };
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
