import type { NewEvent, StoredEvent } from './port.js';

/** Event ids stay unique across the tests of a run, also on storage that outlives one test. */
let sequence = 0;

export function newEvent(overrides: Partial<NewEvent> = {}): NewEvent {
  sequence += 1;
  return {
    eventId: `event-${sequence}`,
    type: 'ArticleDrafted',
    schemaVersion: 1,
    data: new TextEncoder().encode(`payload ${sequence}`),
    metadata: { correlationId: `correlation-${sequence}` },
    ...overrides,
  };
}

export function newEvents(count: number): NewEvent[] {
  return Array.from({ length: count }, () => newEvent());
}

export function positionsOf(events: readonly StoredEvent[]): number[] {
  return events.map((e) => e.globalPosition);
}

/** A stored event with its bytes as a plain array, so adapters' byte containers compare equal. */
export function comparable(event: StoredEvent): unknown {
  return { ...event, data: Array.from(event.data), metadata: { ...event.metadata } };
}
