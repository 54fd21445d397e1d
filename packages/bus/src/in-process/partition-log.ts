import type { BusMessage, Delivery } from '../port.js';
import { ChangeSignal } from './change-signal.js';

const COMPACT_AFTER = 1024;

export class PartitionLog {
  readonly appended = new ChangeSignal();
  private readonly entries: Delivery[] = [];
  /** Entries before it are trimmed. */
  private head = 0;
  private startOffset = 0;

  constructor(
    readonly topic: string,
    readonly partition: number,
  ) {}

  get start(): number {
    return this.startOffset;
  }

  get end(): number {
    return this.startOffset + this.entries.length - this.head;
  }

  append(message: BusMessage): void {
    // Copies, so a publisher reusing its buffer or headers object cannot change what was sent.
    this.entries.push(
      Object.freeze({
        topic: this.topic,
        partition: this.partition,
        offset: this.end,
        key: message.key,
        value: message.value.slice(),
        headers: Object.freeze({ ...message.headers }),
      }),
    );
    this.appended.notify();
  }

  read(from: number, max: number): readonly Delivery[] {
    const first = this.head + Math.max(from, this.startOffset) - this.startOffset;
    return this.entries.slice(first, first + max);
  }

  /** Pulled one batch at a time, so the iterator's position is the reader's position. */
  async *batches(
    from: number,
    maxBatch: number,
    abort: AbortSignal,
  ): AsyncGenerator<readonly Delivery[], void, undefined> {
    let next = from;
    while (!abort.aborted) {
      const batch = this.read(next, maxBatch);
      const last = batch.at(-1);
      if (last === undefined) {
        await this.appended.wait(abort);
        continue;
      }
      next = last.offset + 1;
      yield batch;
    }
  }

  /** The caller guarantees no reader still needs messages before `offset`. */
  trimBelow(offset: number): void {
    const drop = Math.min(offset, this.end) - this.startOffset;
    if (drop <= 0) return;
    this.head += drop;
    this.startOffset += drop;
    // Compact only once the dead prefix outweighs the live part: amortised O(1).
    if (this.head >= COMPACT_AFTER && this.head * 2 >= this.entries.length) {
      this.entries.splice(0, this.head);
      this.head = 0;
    }
  }
}
