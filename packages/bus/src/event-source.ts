import type { Delivery as ProjectionDelivery, EventSource } from '@fairflax/event-store';
import { fromDelivery } from './envelope.js';
import type { Delivery, MessageBus, Subscription } from './port.js';

export interface BusEventSourceOptions {
  topics: readonly string[];
  group: string;
}

/**
 * Turns bus subscriptions into the pull-style EventSource a projection runner reads. Each
 * partition is its own ordered source, `topic/partition`, and the position within it is the
 * event's global position (increasing within a partition, since the relay publishes in log
 * order and a stream always maps to one partition), so checkpoints survive a bus that
 * renumbers its offsets. A batch is acked only after the runner has committed it.
 */
export function busEventSource(bus: MessageBus, options: BusEventSourceOptions): EventSource {
  return {
    batches: (_from, signal) =>
      handedBatches(
        (hand) =>
          Promise.all(
            options.topics.map((topic) => bus.subscribe(topic, { group: options.group }, hand)),
          ),
        signal,
      ),
  };
}

/**
 * The batches that subscription handlers hand over, in turn. A handler's promise settles when
 * the reader asks for the next batch: by then the reader has committed this one. The
 * subscriptions `open` returns are closed when the reading stops.
 */
export async function* handedBatches(
  open: (hand: (batch: readonly Delivery[]) => Promise<void>) => Promise<readonly Subscription[]>,
  signal: AbortSignal,
): AsyncGenerator<readonly ProjectionDelivery[]> {
  const pending: { batch: Delivery[]; done: () => void }[] = [];
  let wake: (() => void) | undefined;
  const subscriptions = await open(
    (batch) =>
      new Promise<void>((done) => {
        pending.push({ batch: [...batch], done });
        wake?.();
      }),
  );
  const onAbort = () => wake?.();
  signal.addEventListener('abort', onAbort);
  try {
    while (!signal.aborted) {
      const next = pending.shift();
      if (!next) {
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
        continue;
      }
      yield next.batch.map(toSourceDelivery);
      next.done();
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    await Promise.all(subscriptions.map((s) => s.close()));
  }
}

/** A bus delivery as the runner reads it: the source is `topic/partition`. */
export function toSourceDelivery(delivery: Delivery): ProjectionDelivery {
  const event = fromDelivery(delivery);
  return {
    source: `${delivery.topic}/${delivery.partition}`,
    position: event.globalPosition,
    offset: delivery.offset,
    event,
  };
}
