import type { EventStore, RelayCheckpoint } from '@fairflax/event-store';
import { aggregateOf, toBusMessage } from './envelope.js';
import type { BusMessage, MessageBus } from './port.js';

/** The sink owns the relay's position: whether a crash can duplicate a batch is its guarantee. */
export interface RelaySink {
  /** The last global position written (0 for none). */
  position(): Promise<number>;
  /** Each topic's messages in log order; rejects unless both batch and `position` are stored. */
  write(batch: ReadonlyMap<string, readonly BusMessage[]>, position: number): Promise<void>;
}

export interface RelayOptions {
  topicOf?: (streamId: string) => string;
  batchSize?: number;
  signal: AbortSignal;
  onRelayed?: (position: number) => void;
}

/** Follows the store, never a second write inside a command: commands never wait for the relay. */
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
 * A crash between publish and checkpoint republishes the batch: consumers skip applied global
 * positions, but a downstream counter that does not would count it twice.
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

export function relayEvents(
  store: EventStore,
  bus: MessageBus,
  checkpoint: RelayCheckpoint,
  options: RelayOptions,
): Promise<void> {
  return relayToSink(store, atLeastOnceSink(bus, checkpoint), options);
}

/** Only right for a bus that also lives no longer than the process. */
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
