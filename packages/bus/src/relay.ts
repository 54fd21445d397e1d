import type { EventStore } from '@fairflax/event-store';
import { aggregateOf, toBusMessage } from './envelope.js';
import type { BusMessage, MessageBus } from './port.js';

/** Where the relay remembers how far it got. */
export interface RelayCheckpoint {
  load(): Promise<number> | number;
  save(position: number): Promise<void> | void;
}

export interface RelayOptions {
  /** Topic for a stream; by default the aggregate type (`article`, `author`). */
  topicOf?: (streamId: string) => string;
  batchSize?: number;
  signal: AbortSignal;
  onRelayed?: (position: number) => void;
}

/**
 * Relays the event store to a bus from the log, never as a second write inside a command: it
 * follows the store (catch-up then live), publishes each batch and only then advances its
 * checkpoint. A crash between publish and save republishes the batch: at-least-once, which
 * consumers absorb because they skip positions they have applied.
 */
export async function relayEvents(
  store: EventStore,
  bus: MessageBus,
  checkpoint: RelayCheckpoint,
  options: RelayOptions,
): Promise<void> {
  const topicOf = options.topicOf ?? aggregateOf;
  const from = await checkpoint.load();
  for await (const events of store.subscribe(from, { batchSize: options.batchSize ?? 500, signal: options.signal })) {
    const byTopic = new Map<string, BusMessage[]>();
    for (const event of events) {
      const topic = topicOf(event.streamId);
      let list = byTopic.get(topic);
      if (!list) byTopic.set(topic, (list = []));
      list.push(toBusMessage(event));
    }
    await Promise.all([...byTopic].map(([topic, messages]) => bus.publish(topic, messages)));
    const last = events.at(-1)?.globalPosition;
    if (last !== undefined) {
      await checkpoint.save(last);
      options.onRelayed?.(last);
    }
  }
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
