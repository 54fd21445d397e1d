import type { BatchHandler, Delivery } from '../port.js';
import { sleep } from './change-signal.js';
import type { BusSettings } from './options.js';
import type { PartitionLog } from './partition-log.js';
import type { Topic } from './topic.js';

/** One subscription: a member of its group, owning the partitions the group assigns it. */
export interface Member {
  readonly handler: BatchHandler;
}

/**
 * A consumer group on one topic: its committed offset per partition, its members, and one
 * delivery loop per partition, run for the member that partition is assigned to.
 */
export class ConsumerGroup {
  /** Per partition, the offset of the next message to deliver: everything before it is acked. */
  private readonly committed: number[];
  private readonly members: Member[] = [];
  private readonly loops: (PartitionLoop | undefined)[];
  private rebalancing: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly topic: Topic,
    readonly name: string,
    fromBeginning: boolean,
    private readonly settings: BusSettings,
  ) {
    this.committed = topic.logs.map((log) => (fromBeginning ? log.start : log.end));
    this.loops = topic.logs.map(() => undefined);
  }

  get subscribed(): boolean {
    return this.members.length > 0;
  }

  committedOffset(partition: number): number {
    return this.committed[partition] ?? 0;
  }

  /** Resolves once the new member's partitions are being delivered. */
  join(member: Member): Promise<void> {
    this.members.push(member);
    return this.rebalance();
  }

  /** Resolves once the member's in-flight batches are done and its partitions handed over. */
  leave(member: Member): Promise<void> {
    const index = this.members.indexOf(member);
    if (index >= 0) this.members.splice(index, 1);
    // Publishers waiting on this group's lag may go on if it has no members left.
    this.topic.progress.notify();
    return this.rebalance();
  }

  /** Stops every loop for good, after their in-flight batches. */
  stop(): Promise<void> {
    this.stopped = true;
    return this.rebalance();
  }

  /** Rebalances run one at a time, in the order members joined and left. */
  private rebalance(): Promise<void> {
    const next = this.rebalancing.then(() => this.assign());
    this.rebalancing = next;
    return next;
  }

  /** Round-robin in join order: partition p goes to member p mod (number of members). */
  private async assign(): Promise<void> {
    const owners = this.topic.logs.map((_, partition) =>
      this.stopped || this.members.length === 0
        ? undefined
        : this.members[partition % this.members.length],
    );
    // A partition's new loop starts only after its old one has finished its batch, so two
    // members never hold the same partition and order per key survives the hand-over.
    await Promise.all(
      this.loops.map(async (loop, partition) => {
        if (loop && loop.owner !== owners[partition]) {
          await loop.stop();
          this.loops[partition] = undefined;
        }
      }),
    );
    owners.forEach((owner, partition) => {
      if (owner && !this.loops[partition]) {
        this.loops[partition] = new PartitionLoop(
          owner,
          this.name,
          this.topic.log(partition),
          this.committedOffset(partition),
          this.settings,
          (offset) => this.commit(partition, offset),
        );
      }
    });
  }

  private commit(partition: number, offset: number): void {
    this.committed[partition] = offset;
    this.topic.committed(partition);
  }
}

/**
 * Delivers one partition to one member: a batch at a time, the next only after the handler
 * acked this one, retrying a failed batch unchanged (same offsets) after a back-off.
 */
class PartitionLoop {
  private readonly abort = new AbortController();
  private readonly done: Promise<void>;

  constructor(
    readonly owner: Member,
    private readonly group: string,
    private readonly log: PartitionLog,
    from: number,
    private readonly settings: BusSettings,
    private readonly commit: (offset: number) => void,
  ) {
    this.done = this.run(from);
  }

  /** Resolves once the in-flight batch, if any, has finished (and been committed if acked). */
  stop(): Promise<void> {
    this.abort.abort();
    return this.done;
  }

  private async run(from: number): Promise<void> {
    const { signal } = this.abort;
    for await (const batch of this.log.batches(from, this.settings.maxBatch, signal)) {
      const last = batch.at(-1);
      if (last === undefined || !(await this.deliverUntilAcked(batch))) return;
      this.commit(last.offset + 1);
    }
  }

  /** True once the handler acked the batch; false if stopped before it did. */
  private async deliverUntilAcked(batch: readonly Delivery[]): Promise<boolean> {
    const { signal } = this.abort;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.owner.handler(batch);
        return true;
      } catch (error) {
        this.report(error, attempt, batch);
      }
      await sleep(this.settings.retryDelayMs(attempt), signal);
      if (signal.aborted) return false;
    }
  }

  private report(error: unknown, attempt: number, batch: readonly Delivery[]): void {
    const { topic, partition } = this.log;
    try {
      this.settings.onHandlerError(error, { topic, group: this.group, partition, attempt, batch });
    } catch {
      // A failing error reporter must not stop delivery, nor leave a rejected loop behind.
    }
  }
}
