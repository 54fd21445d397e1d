import { ConcurrencyError } from './errors.js';
import type {
  AppendOptions,
  AppendResult,
  EventStore,
  ExpectedVersion,
  NewEvent,
  StoredEvent,
  SubscribeOptions,
} from './port.js';

const DEFAULT_BATCH_SIZE = 100;

export interface InMemoryEventStoreOptions {
  now?: () => Date;
}

/** Every guarantee of the port but durability; events are copied in and out. */
export class InMemoryEventStore implements EventStore {
  /** The event at position p is `log[p - 1]`. */
  private readonly log: StoredEvent[] = [];
  private readonly streams = new Map<string, StoredEvent[]>();
  private readonly eventIds = new Set<string>();
  private readonly commands = new Map<string, AppendResult>();
  private readonly appended = new AppendSignal();
  private readonly now: () => Date;
  private closed = false;

  constructor(options: InMemoryEventStoreOptions = {}) {
    this.now = options.now ?? (() => new Date());
  }

  append(
    streamId: string,
    expectedVersion: ExpectedVersion,
    events: readonly NewEvent[],
    options: AppendOptions = {},
  ): Promise<AppendResult> {
    return settle(() => this.appendNow(streamId, expectedVersion, events, options.commandId));
  }

  readStream(streamId: string, fromVersion = 1): Promise<StoredEvent[]> {
    return settle(() => {
      this.assertOpen();
      const stream = this.streams.get(streamId) ?? [];
      return stream.slice(Math.max(fromVersion, 1) - 1).map(copyOut);
    });
  }

  readAll(afterPosition: number, limit: number): Promise<StoredEvent[]> {
    return settle(() => {
      this.assertOpen();
      assertCount('afterPosition', afterPosition);
      assertCount('limit', limit);
      return this.log.slice(afterPosition, afterPosition + limit).map(copyOut);
    });
  }

  headPosition(): Promise<number> {
    return settle(() => {
      this.assertOpen();
      return this.log.length;
    });
  }

  async *subscribe(
    afterPosition: number,
    options: SubscribeOptions = {},
  ): AsyncGenerator<StoredEvent[], void, undefined> {
    const { batchSize = DEFAULT_BATCH_SIZE, signal } = options;
    assertCount('afterPosition', afterPosition);
    if (batchSize < 1 || !Number.isSafeInteger(batchSize)) {
      throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
    }
    let position = afterPosition;
    // Sliced only when asked for: a slow consumer holds the subscription back, nothing buffers.
    while (!this.closed && signal?.aborted !== true) {
      if (position >= this.log.length) {
        await this.appended.wait(signal);
        continue;
      }
      const batch = this.log.slice(position, position + batchSize).map(copyOut);
      position += batch.length;
      yield batch;
    }
  }

  close(): Promise<void> {
    this.closed = true;
    this.appended.notify();
    return Promise.resolve();
  }

  private appendNow(
    streamId: string,
    expectedVersion: ExpectedVersion,
    events: readonly NewEvent[],
    commandId: string | undefined,
  ): AppendResult {
    this.assertOpen();
    assertAppendable(streamId, expectedVersion, events);
    const earlier = commandId === undefined ? undefined : this.commands.get(commandId);
    if (earlier) return { ...earlier, duplicate: true };

    const stream = this.streams.get(streamId) ?? [];
    const expected = expectedVersion === 'no_stream' ? 0 : expectedVersion;
    if (expected !== 'any' && expected !== stream.length) {
      throw new ConcurrencyError(streamId, expectedVersion, stream.length);
    }
    const incoming = new Set<string>();
    for (const { eventId } of events) {
      if (this.eventIds.has(eventId) || incoming.has(eventId)) {
        throw new Error(
          `cannot append to stream ${streamId}: event id ${eventId} is already stored`,
        );
      }
      incoming.add(eventId);
    }

    const recordedAt = this.now().toISOString();
    for (const event of events) {
      const stored: StoredEvent = {
        eventId: event.eventId,
        type: event.type,
        schemaVersion: event.schemaVersion,
        data: event.data.slice(),
        metadata: Object.freeze({ ...event.metadata }),
        streamId,
        streamVersion: stream.length + 1,
        globalPosition: this.log.length + 1,
        recordedAt,
      };
      stream.push(stored);
      this.log.push(stored);
      this.eventIds.add(event.eventId);
    }
    this.streams.set(streamId, stream);
    const result: AppendResult = {
      streamVersion: stream.length,
      globalPosition: this.log.length,
      duplicate: false,
    };
    if (commandId !== undefined) this.commands.set(commandId, result);
    this.appended.notify();
    return { ...result };
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('the event store is closed');
  }
}

function settle<T>(work: () => T): Promise<T> {
  return new Promise((resolve) => resolve(work()));
}

function assertAppendable(
  streamId: string,
  expectedVersion: ExpectedVersion,
  events: readonly NewEvent[],
): void {
  if (events.length === 0) {
    throw new RangeError(`cannot append to stream ${streamId}: an append needs at least one event`);
  }
  if (typeof expectedVersion === 'number') assertCount('expectedVersion', expectedVersion);
}

function assertCount(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative integer, got ${value}`);
  }
}

function copyOut(event: StoredEvent): StoredEvent {
  return { ...event, data: event.data.slice(), metadata: { ...event.metadata } };
}

/** A waiter checks the log and starts waiting in one synchronous step: no append is missed. */
class AppendSignal {
  private waiters = new Set<() => void>();

  notify(): void {
    const woken = this.waiters;
    this.waiters = new Set();
    for (const wake of woken) wake();
  }

  /** Resolves on the next notify, or when `abort` fires; never rejects. */
  wait(abort: AbortSignal | undefined): Promise<void> {
    if (abort?.aborted === true) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = (): void => {
        this.waiters.delete(wake);
        abort?.removeEventListener('abort', wake);
        resolve();
      };
      this.waiters.add(wake);
      abort?.addEventListener('abort', wake, { once: true });
    });
  }
}
