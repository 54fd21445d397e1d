/**
 * One task at a time per stream, in arrival order; tasks on different streams run side by
 * side. A stream with nothing queued holds no entry, so memory follows the commands in flight,
 * not the streams ever seen. A failed task does not hold up the ones queued behind it.
 */
export class StreamQueue {
  private readonly tails = new Map<string, Promise<void>>();

  run<T>(streamId: string, task: () => Promise<T>): Promise<T> {
    const result = (this.tails.get(streamId) ?? Promise.resolve()).then(task);
    const tail = result.then(settled, settled);
    this.tails.set(streamId, tail);
    void tail.then(() => {
      if (this.tails.get(streamId) === tail) this.tails.delete(streamId);
    });
    return result;
  }

  /** Streams with a task running or queued. */
  get busyStreams(): number {
    return this.tails.size;
  }
}

const settled = (): void => undefined;
