import type { Delivery } from '../port.js';

export interface InProcessBusOptions {
  /** Partitions per topic (default 4). A key always lands in the same partition. */
  partitions?: number;
  /** Most messages handed to a handler in one batch (default 100). */
  maxBatch?: number;
  /**
   * How far, in messages, the slowest subscribed group may trail a partition before `publish`
   * waits for it (default 10_000). This is what bounds memory: a slow consumer slows the
   * producer instead of letting the log grow.
   */
  maxLag?: number;
  /**
   * How many of a partition's latest messages are kept once every group has acked them, for
   * groups that start later from the beginning (default 10_000). Older acked ones are dropped.
   */
  retain?: number;
  /** Delay before retrying a failed batch: doubles from `initialMs` (100) up to `maxMs` (5_000). */
  retryBackoff?: { initialMs?: number; maxMs?: number };
  /** Told about every failed batch before it is retried; by default logs to stderr. */
  onHandlerError?: (error: unknown, failure: HandlerFailure) => void;
}

export interface HandlerFailure {
  topic: string;
  group: string;
  partition: number;
  /** 1 for the batch's first failure, then 2, 3, ... while it keeps failing. */
  attempt: number;
  batch: readonly Delivery[];
}

export interface BusSettings {
  partitions: number;
  maxBatch: number;
  maxLag: number;
  retain: number;
  retryDelayMs: (attempt: number) => number;
  onHandlerError: (error: unknown, failure: HandlerFailure) => void;
}

function logHandlerError(error: unknown, failure: HandlerFailure): void {
  console.error(
    `InProcessBus: handler of group ${failure.group} failed on ${failure.topic}` +
      ` partition ${failure.partition} (attempt ${failure.attempt}); retrying`,
    error,
  );
}

function checked(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`InProcessBus option ${name} must be an integer >= ${min}, got ${value}`);
  }
  return value;
}

export function resolveSettings(options: InProcessBusOptions): BusSettings {
  const initialMs = checked('retryBackoff.initialMs', options.retryBackoff?.initialMs ?? 100, 0);
  const maxMs = checked('retryBackoff.maxMs', options.retryBackoff?.maxMs ?? 5_000, initialMs);
  return {
    partitions: checked('partitions', options.partitions ?? 4, 1),
    maxBatch: checked('maxBatch', options.maxBatch ?? 100, 1),
    maxLag: checked('maxLag', options.maxLag ?? 10_000, 0),
    retain: checked('retain', options.retain ?? 10_000, 0),
    retryDelayMs: (attempt) => Math.min(initialMs * 2 ** (attempt - 1), maxMs),
    onHandlerError: options.onHandlerError ?? logHandlerError,
  };
}
