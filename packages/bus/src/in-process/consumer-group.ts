import type { BatchHandler, Delivery } from '../port.js';
import { sleep } from './change-signal.js';
import type { BusSettings } from './options.js';
import type { PartitionLog } from './partition-log.js';
import type { Topic } from './topic.js';

export interface Member {
  readonly handler: BatchHandler;
}

export class ConsumerGroup {
  /** Everything before each partition's offset is acked. */
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

  join(member: Member): Promise<void> {
    this.members.push(member);
    return this.rebalance();
  }

  leave(member: Member): Promise<void> {
    const index = this.members.indexOf(member);
    if (index >= 0) this.members.splice(index, 1);
    this.topic.progress.notify();
    return this.rebalance();
  }

  stop(): Promise<void> {
    this.stopped = true;
    return this.rebalance();
  }

  private rebalance(): Promise<void> {
    const next = this.rebalancing.then(() => this.assign());
    this.rebalancing = next;
    return next;
  }

  private async assign(): Promise<void> {
    const owners = this.topic.logs.map((_, partition) =>
      this.stopped || this.members.length === 0
        ? undefined
        : this.members[partition % this.members.length],
    );
    // New loops start after the old ones' batches: order per key survives the hand-over.
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

/** The next batch only after this one is acked; a failed batch is retried unchanged. */
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
