import {
  checkedOption,
  redeliveryDelay,
  type HandlerFailure,
  type RedeliveryOptions,
} from '../redelivery.js';

export interface InProcessBusOptions extends RedeliveryOptions {
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

export function resolveSettings(options: InProcessBusOptions): BusSettings {
  const checked = (name: string, value: number, min: number) =>
    checkedOption('InProcessBus', name, value, min);
  return {
    partitions: checked('partitions', options.partitions ?? 4, 1),
    maxBatch: checked('maxBatch', options.maxBatch ?? 100, 1),
    maxLag: checked('maxLag', options.maxLag ?? 10_000, 0),
    retain: checked('retain', options.retain ?? 10_000, 0),
    retryDelayMs: redeliveryDelay('InProcessBus', options.retryBackoff),
    onHandlerError: options.onHandlerError ?? logHandlerError,
  };
}
