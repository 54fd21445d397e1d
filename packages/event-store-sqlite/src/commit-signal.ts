/**
 * Wakes subscriptions waiting for new events: at once on this store's own commits, and at the
 * latest after the poll interval, so commits by other connections to the same file (another
 * process, another store object) are seen too. A waiter reads and starts waiting in the same
 * synchronous step, so no commit of its own store can slip in between and be missed.
 */
export class CommitSignal {
  private waiters = new Set<() => void>();

  constructor(private readonly pollIntervalMs: number) {}

  notify(): void {
    const woken = this.waiters;
    this.waiters = new Set();
    for (const wake of woken) wake();
  }

  /** Resolves on the next notify, after the poll interval, or when `abort` fires; never rejects. */
  wait(abort: AbortSignal | undefined): Promise<void> {
    if (abort?.aborted === true) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.waiters.delete(wake);
        abort?.removeEventListener('abort', wake);
        resolve();
      };
      const timer = setTimeout(wake, this.pollIntervalMs);
      this.waiters.add(wake);
      abort?.addEventListener('abort', wake, { once: true });
    });
  }
}
