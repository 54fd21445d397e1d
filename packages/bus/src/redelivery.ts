import type { Delivery } from './port.js';

/** How a bus adapter redelivers a batch whose handler failed. */
export interface RedeliveryOptions {
  /** Delay before redelivering: doubles from `initialMs` (100) up to `maxMs` (5_000). */
  retryBackoff?: { initialMs?: number; maxMs?: number };
  /** Told about every failed batch before it is redelivered. */
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

/** `value` when it is an integer >= `min`; else a RangeError naming the adapter's option. */
export function checkedOption(adapter: string, name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`${adapter} option ${name} must be an integer >= ${min}, got ${value}`);
  }
  return value;
}

/** The delay before redelivery attempt 1, 2, ... */
export function redeliveryDelay(
  adapter: string,
  backoff: RedeliveryOptions['retryBackoff'] = {},
): (attempt: number) => number {
  const initialMs = checkedOption(adapter, 'retryBackoff.initialMs', backoff.initialMs ?? 100, 0);
  const maxMs = checkedOption(adapter, 'retryBackoff.maxMs', backoff.maxMs ?? 5_000, initialMs);
  return (attempt) => Math.min(initialMs * 2 ** (attempt - 1), maxMs);
}
