/**
 * Wakes everyone waiting for "something changed" (a message appended, an offset committed).
 * Waiters re-check their own condition after waking; because checking and starting to wait
 * happen in the same synchronous step, no notify can slip in between and be missed.
 */
export class ChangeSignal {
  private waiters = new Set<() => void>();

  notify(): void {
    const woken = this.waiters;
    this.waiters = new Set();
    for (const wake of woken) wake();
  }

  /** Resolves on the next notify, or at once when `abort` fires; never rejects. */
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

/** Resolves after `ms`, or early when `abort` fires; never rejects. */
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
