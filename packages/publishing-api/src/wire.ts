import type { StoredEvent } from '@fairflax/event-store';
import type { WireEventEnvelope } from './proto.js';

/** A stored event as the feed sends it: positions as strings (uint64), data as bytes. */
export function toWireEnvelope(event: StoredEvent): WireEventEnvelope {
  return {
    eventId: event.eventId,
    streamId: event.streamId,
    streamVersion: String(event.streamVersion),
    globalPosition: String(event.globalPosition),
    type: event.type,
    schemaVersion: event.schemaVersion,
    data: Buffer.from(event.data.buffer, event.data.byteOffset, event.data.byteLength),
    metadata: { ...event.metadata },
    recordedAt: event.recordedAt,
  };
}

/** The inverse of `toWireEnvelope`, with proto3's defaults for absent fields. */
export function toStoredEvent(wire: WireEventEnvelope): StoredEvent {
  return {
    eventId: wire.eventId ?? '',
    streamId: wire.streamId ?? '',
    streamVersion: Number(wire.streamVersion ?? 0),
    globalPosition: Number(wire.globalPosition ?? 0),
    type: wire.type ?? '',
    schemaVersion: wire.schemaVersion ?? 0,
    data: wire.data ?? new Uint8Array(),
    metadata: wire.metadata ?? {},
    recordedAt: wire.recordedAt ?? '',
  };
}
