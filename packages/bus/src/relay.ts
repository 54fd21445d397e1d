import type { EventStore } from '@fairflax/event-store';
import { aggregateOf, toBusMessage } from './envelope.js';
import type { BusMessage, MessageBus } from './port.js';

/** Where the relay remembers how far it got. */
export interface RelayCheckpoint {
  load(): Promise<number> | number;
  save(position: number): Promise<void> | void;
}

/**
 * Where relayed batches go. The sink owns the relay's position: it tells where to resume and
 * moves it with each batch it writes, so whether a crash can duplicate a batch is the sink's
 * guarantee, not the relay loop's.
 */
export interface RelaySink {
  /** The last global position written (0 for none): the relay resumes after it. */
  position(): Promise<number>;
  /**
   * Writes one batch, grouped by topic, each topic's messages in log order, and makes
   * `position` (the batch's last global position) the new one. Rejects if either did not
   * happen; the relay then asks for `position()` again and resumes from there.
   */
  write(batch: ReadonlyMap<string, readonly BusMessage[]>, position: number): Promise<void>;
}

export interface RelayOptions {
  /** Topic for a stream; by default the aggregate type (`article`, `author`). */
  topicOf?: (streamId: string) => string;
  batchSize?: number;
  signal: AbortSignal;
  onRelayed?: (position: number) => void;
}

/**
 * Relays the event store to a sink from the log, never as a second write inside a command: it
 * follows the store (catch-up then live) from the sink's position and hands each batch to the
 * sink, which writes it and advances the position. Commands never wait for the relay, and a
 * relay that was down catches up from where its sink says it stopped.
 */
export async function relayToSink(
  store: EventStore,
  sink: RelaySink,
  options: RelayOptions,
): Promise<void> {
  const topicOf = options.topicOf ?? aggregateOf;
  const from = await sink.position();
  for await (const events of store.subscribe(from, {
    batchSize: options.batchSize ?? 500,
    signal: options.signal,
  })) {
    const last = events.at(-1)?.globalPosition;
    if (last === undefined) continue;
    const byTopic = new Map<string, BusMessage[]>();
    for (const event of events) {
      const topic = topicOf(event.streamId);
      let list = byTopic.get(topic);
      if (!list) byTopic.set(topic, (list = []));
      list.push(toBusMessage(event));
    }
    await sink.write(byTopic, last);
    options.onRelayed?.(last);
  }
}

/**
 * The plain sink: publish every topic's messages, then save the checkpoint. A crash between the
 * two publishes the batch again on restart: at-least-once, which consumers absorb because they
 * skip global positions they have applied (but a counter downstream that does not would count
 * the batch twice; see the exactly-once step).
 */
export function atLeastOnceSink(bus: MessageBus, checkpoint: RelayCheckpoint): RelaySink {
  return {
    position: async () => checkpoint.load(),
    async write(batch, position) {
      await Promise.all([...batch].map(([topic, messages]) => bus.publish(topic, messages)));
      await checkpoint.save(position);
    },
  };
}

/** relayToSink over `atLeastOnceSink(bus, checkpoint)`. */
export function relayEvents(
  store: EventStore,
  bus: MessageBus,
  checkpoint: RelayCheckpoint,
  options: RelayOptions,
): Promise<void> {
  return relayToSink(store, atLeastOnceSink(bus, checkpoint), options);
}

/** A checkpoint that lives as long as the process: right for a bus that does too. */
export function memoryCheckpoint(start = 0): RelayCheckpoint & { value: number } {
  return {
    value: start,
    load() {
      return this.value;
    },
    save(position: number) {
      this.value = position;
    },
  };
}
