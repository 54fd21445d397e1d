/** Polls for other connections' commits; a waiter reads and waits in one synchronous step. */
export class CommitSignal {
  private waiters = new Set<() => void>();

  constructor(private readonly pollIntervalMs: number) {}

  notify(): void {
    const woken = this.waiters;
    this.waiters = new Set();
    for (const wake of woken) wake();
  }

  /** Never rejects. */
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
