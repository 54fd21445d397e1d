import { randomUUID } from 'node:crypto';
import type { StoredEvent } from '@fairflax/event-store';
import { articleStream, authorStream, encodeEvent, type FairflaxEvent } from '@fairflax/events';
import type { Delivery } from './types.js';

/**
 * Test helper: turns domain events into deliveries as the embedded feed would hand them out,
 * with stream versions counted per stream and global positions from `after + 1`.
 */
export function deliveriesOf(events: readonly FairflaxEvent[], after = 0, source = 'log'): Delivery[] {
  const versions = new Map<string, number>();
  return events.map((domainEvent, i) => {
    const streamId =
      'articleId' in domainEvent.data
        ? articleStream(domainEvent.data.articleId)
        : authorStream(domainEvent.data.authorId);
    const streamVersion = (versions.get(streamId) ?? 0) + 1;
    versions.set(streamId, streamVersion);
    const encoded = encodeEvent(domainEvent);
    const event: StoredEvent = {
      eventId: randomUUID(),
      streamId,
      streamVersion,
      globalPosition: after + i + 1,
      type: encoded.type,
      schemaVersion: encoded.schemaVersion,
      data: encoded.data,
      metadata: {},
      recordedAt: '2026-03-01T00:00:00.000Z',
    };
    return { source, position: event.globalPosition, event };
  });
}
