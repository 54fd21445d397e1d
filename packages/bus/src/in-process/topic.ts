import type { ConsumerGroup } from './consumer-group.js';
import { ChangeSignal } from './change-signal.js';
import { PartitionLog } from './partition-log.js';

const encoder = new TextEncoder();

/** FNV-1a: stable across processes and runs, unlike a seeded hash. */
export function partitionOf(key: string, partitions: number): number {
  let hash = 0x811c9dc5;
  for (const byte of encoder.encode(key)) {
    hash = Math.imul(hash ^ byte, 0x01000193);
  }
  return (hash >>> 0) % partitions;
}

export class Topic {
  readonly logs: readonly PartitionLog[];
  readonly groups = new Map<string, ConsumerGroup>();
  readonly progress = new ChangeSignal();

  constructor(
    readonly name: string,
    partitions: number,
    private readonly retain: number,
  ) {
    this.logs = Array.from(
      { length: partitions },
      (_, partition) => new PartitionLog(name, partition),
    );
  }

  log(partition: number): PartitionLog {
    const log = this.logs[partition];
    if (!log) throw new RangeError(`topic ${this.name} has no partition ${partition}`);
    return log;
  }

  partitionOf(key: string): number {
    return partitionOf(key, this.logs.length);
  }

  /** Memberless groups do not count: a group that went away must not stall publishers forever. */
  lag(partition: number): number {
    let slowest = Infinity;
    for (const group of this.groups.values()) {
      if (group.subscribed) slowest = Math.min(slowest, group.committedOffset(partition));
    }
    return slowest === Infinity ? 0 : this.log(partition).end - slowest;
  }

  /** Keeps what any group, memberless too, has not acked, so a returning group resumes. */
  trim(partition: number): void {
    const log = this.log(partition);
    let keepFrom = log.end - this.retain;
    for (const group of this.groups.values()) {
      keepFrom = Math.min(keepFrom, group.committedOffset(partition));
    }
    log.trimBelow(keepFrom);
  }

  committed(partition: number): void {
    this.trim(partition);
    this.progress.notify();
  }
}
