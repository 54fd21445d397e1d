import type { BusMessage, Delivery } from '../port.js';
import { ChangeSignal } from './change-signal.js';

/** Below this many trimmed entries the dead prefix is kept; compacting it costs a copy. */
const COMPACT_AFTER = 1024;

/**
 * One partition's messages in offset order, from the oldest still retained to the newest.
 * Readers consume it as an async iterator of batches that waits for new appends.
 */
export class PartitionLog {
  readonly appended = new ChangeSignal();
  private readonly entries: Delivery[] = [];
  /** Index in `entries` of the message at offset `start`; entries before it are trimmed. */
  private head = 0;
  private startOffset = 0;

  constructor(
    readonly topic: string,
    readonly partition: number,
  ) {}

  /** Offset of the oldest retained message (equals `end` when none is retained). */
  get start(): number {
    return this.startOffset;
  }

  /** Offset the next appended message gets. */
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

  /** Up to `max` messages from offset `from` (or from the oldest retained one, if later). */
  read(from: number, max: number): readonly Delivery[] {
    const first = this.head + Math.max(from, this.startOffset) - this.startOffset;
    return this.entries.slice(first, first + max);
  }

  /**
   * Batches from `from` onwards, waiting for appends when caught up, until `abort` fires.
   * The reader asks for the next batch only once it has dealt with the current one, so the
   * iterator's position is the reader's position.
   */
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

  /** Forgets messages before `offset`; the caller guarantees no reader still needs them. */
  trimBelow(offset: number): void {
    const drop = Math.min(offset, this.end) - this.startOffset;
    if (drop <= 0) return;
    this.head += drop;
    this.startOffset += drop;
    // Compacting only once the dead prefix outweighs the live part keeps trimming amortised O(1).
    if (this.head >= COMPACT_AFTER && this.head * 2 >= this.entries.length) {
      this.entries.splice(0, this.head);
      this.head = 0;
    }
  }
}
