/** One task at a time per stream; an idle stream holds no entry; a failure holds up nothing. */
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

  get busyStreams(): number {
    return this.tails.size;
  }
}

const settled = (): void => undefined;
