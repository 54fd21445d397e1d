import type { StoredEvent } from '@fairflax/event-store';
import type { BusMessage, Delivery } from './port.js';

/** Keyed by stream id, so one stream's events stay in order; value is the protobuf bytes. */
const H = {
  eventId: 'event-id',
  type: 'event-type',
  schemaVersion: 'schema-version',
  streamVersion: 'stream-version',
  globalPosition: 'global-position',
  recordedAt: 'recorded-at',
} as const;
const META_PREFIX = 'meta-';

export function aggregateOf(streamId: string): string {
  const dash = streamId.indexOf('-');
  return dash > 0 ? streamId.slice(0, dash) : streamId;
}

export function toBusMessage(event: StoredEvent): BusMessage {
  const headers: Record<string, string> = {
    [H.eventId]: event.eventId,
    [H.type]: event.type,
    [H.schemaVersion]: String(event.schemaVersion),
    [H.streamVersion]: String(event.streamVersion),
    [H.globalPosition]: String(event.globalPosition),
    [H.recordedAt]: event.recordedAt,
  };
  for (const [key, value] of Object.entries(event.metadata)) headers[META_PREFIX + key] = value;
  return { key: event.streamId, value: event.data, headers };
}

export class MalformedMessageError extends Error {
  override readonly name = 'MalformedMessageError';
}

export function fromDelivery(delivery: Delivery): StoredEvent {
  const h = delivery.headers;
  const need = (name: string) => {
    const value = h[name];
    if (value === undefined) {
      throw new MalformedMessageError(
        `message ${delivery.topic}/${delivery.partition}@${delivery.offset} has no ${name} header`,
      );
    }
    return value;
  };
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(h)) {
    if (key.startsWith(META_PREFIX)) metadata[key.slice(META_PREFIX.length)] = value;
  }
  return {
    eventId: need(H.eventId),
    streamId: delivery.key,
    streamVersion: Number(need(H.streamVersion)),
    globalPosition: Number(need(H.globalPosition)),
    type: need(H.type),
    schemaVersion: Number(need(H.schemaVersion)),
    data: delivery.value,
    metadata,
    recordedAt: need(H.recordedAt),
  };
}
