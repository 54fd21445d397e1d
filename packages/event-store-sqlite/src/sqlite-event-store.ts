import { mkdirSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { dirname } from 'node:path';
import Database from '@fairflax/sqlite';
import type {
  AppendOptions,
  AppendResult,
  EventStore,
  ExpectedVersion,
  NewEvent,
  StoredEvent,
  SubscribeOptions,
} from '@fairflax/event-store';
import { AppendStatements, type PendingAppend } from './append-statements.js';
import { CommitSignal } from './commit-signal.js';
import { EventLogQueries } from './event-log-queries.js';
import { prepareSchema } from './schema.js';

const DEFAULT_BATCH_SIZE = 100;
const DEFAULT_POLL_INTERVAL_MS = 250;

export interface SqliteEventStoreOptions {
  now?: () => Date;
  /** How often a caught-up subscription looks for commits through other connections. */
  pollIntervalMs?: number;
}

export interface SqliteEventStoreStats {
  /** A group commit counts once. */
  transactions: number;
  /** Only those that stored events. */
  appends: number;
}

/** One transaction of the group commit that stored events. */
export interface GroupCommit {
  /** Appends that stored events (not those refused, nor repeated command ids). */
  appends: number;
  /** Per stored append: seconds from its `append` call to the commit. */
  appendSeconds: readonly number[];
}

export type GroupCommitListener = (commit: GroupCommit) => void;

/**
 * One event-loop turn's appends commit together, each in a savepoint so a failure stays alone.
 * Events' bytes are read at that commit: do not reuse the buffers before the append settles.
 */
export class SqliteEventStore implements EventStore {
  private readonly db: Database.Database;
  private readonly writes: AppendStatements;
  private readonly reads: EventLogQueries;
  private readonly commits: CommitSignal;
  private readonly now: () => Date;
  private readonly counters: SqliteEventStoreStats = { transactions: 0, appends: 0 };
  private commitListeners: GroupCommitListener[] = [];
  private queue: PendingAppend[] = [];
  private scheduled: NodeJS.Immediate | undefined;
  private closed = false;

  constructor(path: string, options: SqliteEventStoreOptions = {}) {
    this.now = options.now ?? (() => new Date());
    this.commits = new CommitSignal(options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS);
    this.db = new Database(path);
    try {
      prepareSchema(this.db);
      this.writes = new AppendStatements(this.db);
      this.reads = new EventLogQueries(this.db);
    } catch (err) {
      this.db.close();
      throw err;
    }
  }

  get stats(): SqliteEventStoreStats {
    return { ...this.counters };
  }

  /** Told after each commit that stored events; returns the unsubscribe function. */
  onGroupCommit(listener: GroupCommitListener): () => void {
    this.commitListeners.push(listener);
    return () => {
      this.commitListeners = this.commitListeners.filter((l) => l !== listener);
    };
  }

  append(
    streamId: string,
    expectedVersion: ExpectedVersion,
    events: readonly NewEvent[],
    options?: AppendOptions,
  ): Promise<AppendResult> {
    if (this.closed) return Promise.reject(closedError());
    if (events.length === 0) {
      return Promise.reject(
        new RangeError(`cannot append to stream ${streamId}: an append needs at least one event`),
      );
    }
    if (typeof expectedVersion === 'number' && !isCount(expectedVersion)) {
      return Promise.reject(
        new RangeError(`expectedVersion must be a non-negative integer, got ${expectedVersion}`),
      );
    }
    return new Promise((resolve, reject) => {
      this.queue.push({
        streamId,
        expectedVersion,
        events,
        commandId: options?.commandId,
        calledAt: performance.now(),
        resolve,
        reject,
      });
      this.scheduled ??= setImmediate(this.flush);
    });
  }

  readStream(streamId: string, fromVersion = 1): Promise<StoredEvent[]> {
    return this.read(() => this.reads.readStream(streamId, fromVersion));
  }

  readAll(afterPosition: number, limit: number): Promise<StoredEvent[]> {
    if (!isCount(afterPosition) || !isCount(limit)) {
      return Promise.reject(
        new RangeError(
          `afterPosition and limit must be non-negative integers, got ${afterPosition} and ${limit}`,
        ),
      );
    }
    return this.read(() => this.reads.readAll(afterPosition, limit));
  }

  headPosition(): Promise<number> {
    return this.read(() => this.reads.headPosition());
  }

  async *subscribe(
    afterPosition: number,
    options: SubscribeOptions = {},
  ): AsyncGenerator<StoredEvent[], void, undefined> {
    const { batchSize = DEFAULT_BATCH_SIZE, signal } = options;
    if (!isCount(afterPosition))
      throw new RangeError(`afterPosition must be a non-negative integer, got ${afterPosition}`);
    if (!isCount(batchSize) || batchSize === 0)
      throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
    let position = afterPosition;
    // Read only when asked for: a slow consumer holds the subscription back, nothing buffers.
    while (!this.closed && signal?.aborted !== true) {
      const batch = this.reads.readAll(position, batchSize);
      const last = batch.at(-1);
      if (last === undefined) {
        await this.commits.wait(signal);
        continue;
      }
      position = last.globalPosition;
      yield batch;
    }
  }

  /** Commits the appends already queued first. */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    if (this.scheduled) clearImmediate(this.scheduled);
    try {
      this.flush();
    } finally {
      this.commits.notify();
      this.db.close();
    }
    return Promise.resolve();
  }

  private read<T>(query: () => T): Promise<T> {
    if (this.closed) return Promise.reject(closedError());
    return new Promise((resolve) => resolve(query()));
  }

  private readonly flush = (): void => {
    this.scheduled = undefined;
    const group = this.queue;
    if (group.length === 0) return;
    this.queue = [];

    const { writes } = this;
    const results: (AppendResult | undefined)[] = new Array<AppendResult | undefined>(group.length);
    const errors: unknown[] = new Array<unknown>(group.length);
    // Alone, an append needs no savepoint: the common case stays BEGIN ... COMMIT.
    const isolate = group.length > 1;
    let wrote = 0;
    try {
      const recordedAt = this.now().toISOString();
      writes.begin.run();
      for (let i = 0; i < group.length; i++) {
        if (isolate) writes.savepoint.run();
        try {
          const result = writes.apply(group[i]!, recordedAt);
          if (isolate) writes.release.run();
          results[i] = result;
          if (!result.duplicate) wrote++;
        } catch (err) {
          errors[i] = err;
          // Some errors (disk full, I/O) end the whole transaction: nothing of the group stands.
          if (!this.db.inTransaction) throw err;
          if (isolate) {
            writes.rollbackToSavepoint.run();
            writes.release.run();
          }
        }
      }
      if (wrote > 0) {
        writes.commit.run();
      } else {
        writes.rollback.run();
      }
    } catch (err) {
      if (this.db.inTransaction) writes.rollback.run();
      for (let i = 0; i < group.length; i++) group[i]!.reject(errors[i] ?? err);
      return;
    }

    if (wrote > 0) {
      this.counters.transactions++;
      this.counters.appends += wrote;
    }
    for (let i = 0; i < group.length; i++) {
      const result = results[i];
      if (result) group[i]!.resolve(result);
      else group[i]!.reject(errors[i]);
    }
    if (wrote > 0) {
      this.commits.notify();
      this.tellCommitted(group, results);
    }
  };

  private tellCommitted(group: PendingAppend[], results: (AppendResult | undefined)[]): void {
    if (this.commitListeners.length === 0) return;
    const committedAt = performance.now();
    const appendSeconds: number[] = [];
    for (let i = 0; i < group.length; i++) {
      if (results[i]?.duplicate === false)
        appendSeconds.push((committedAt - group[i]!.calledAt) / 1000);
    }
    const commit = { appends: appendSeconds.length, appendSeconds };
    for (const listener of this.commitListeners) listener(commit);
  }
}

export function openSqliteEventStore(
  path: string,
  options?: SqliteEventStoreOptions,
): SqliteEventStore {
  if (path !== ':memory:' && !path.startsWith('file:'))
    mkdirSync(dirname(path), { recursive: true });
  return new SqliteEventStore(path, options);
}

function isCount(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0;
}

function closedError(): Error {
  return new Error('the event store is closed');
}
