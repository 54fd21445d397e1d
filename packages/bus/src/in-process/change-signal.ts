/** Check and wait happen in one synchronous step, so no notify slips in between and is missed. */
export class ChangeSignal {
  private waiters = new Set<() => void>();

  notify(): void {
    const woken = this.waiters;
    this.waiters = new Set();
    for (const wake of woken) wake();
  }

  /** Resolves on the next notify or on abort; never rejects. */
  wait(abort: AbortSignal): Promise<void> {
    if (abort.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = (): void => {
        this.waiters.delete(wake);
        abort.removeEventListener('abort', wake);
        resolve();
      };
      this.waiters.add(wake);
      abort.addEventListener('abort', wake, { once: true });
    });
  }
}

/** Resolves early on abort; never rejects. */
export function sleep(ms: number, abort: AbortSignal): Promise<void> {
  if (abort.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const wake = (): void => {
      clearTimeout(timer);
      abort.removeEventListener('abort', wake);
      resolve();
    };
    const timer = setTimeout(wake, ms);
    abort.addEventListener('abort', wake, { once: true });
  });
}
