import protobuf from 'protobufjs';
import type { StoredEvent } from '@fairflax/event-store';
import { describe, expect, it } from 'vitest';
import { decodeEventFrame, encodeEventFrames } from './feed-frames.js';
import { PROTO_PATH } from './proto.js';

const EventBatch = protobuf.loadSync(PROTO_PATH).lookupType('fairflax.publishing.v1.EventBatch');

function event(
  position: number,
  dataBytes = 16,
  metadata: Record<string, string> = {},
): StoredEvent {
  return {
    eventId: `e-${position}`,
    streamId: `article-${position % 7}`,
    streamVersion: 1 + Math.floor(position / 7),
    globalPosition: position,
    type: 'ArticleDrafted',
    schemaVersion: 1,
    data: new Uint8Array(dataBytes).map((_, i) => (i + position) % 251),
    metadata,
    recordedAt: '2026-12-06T16:00:00.000Z',
  };
}

const plain = (e: StoredEvent) => ({ ...e, data: Array.from(e.data) });

describe('feed frames', () => {
  it('decode to the events they were encoded from, metadata, text and exact positions included', () => {
    const events = [
      event(1, 0),
      event(2, 300, { commandId: 'c-2', 'trace-id': 'ünïcødé ✓ 𝄞' }),
      { ...event(Number.MAX_SAFE_INTEGER, 3), streamVersion: 2 ** 40, schemaVersion: 3 },
    ];
    const frames = encodeEventFrames(events, Number.MAX_SAFE_INTEGER);
    expect(frames).toHaveLength(1);
    const decoded = decodeEventFrame(frames[0]!);
    expect(decoded.headPosition).toBe(Number.MAX_SAFE_INTEGER);
    expect(decoded.events.map(plain)).toEqual(events.map(plain));
    expect(decoded.events[1]!.data).toBeInstanceOf(Uint8Array);
  });

  it('are EventBatch messages of publishing.proto, as any protobuf client reads them', () => {
    const [frame] = encodeEventFrames([event(5, 4, { commandId: 'c-5' })], 9);
    const read = EventBatch.toObject(EventBatch.decode(frame!), { longs: String }) as {
      headPosition: string;
      events: { globalPosition: string; eventId: string; metadata: Record<string, string> }[];
    };
    expect(read.headPosition).toBe('9');
    expect(read.events).toHaveLength(1);
    expect(read.events[0]).toMatchObject({
      globalPosition: '5',
      eventId: 'e-5',
      metadata: { commandId: 'c-5' },
    });
  });

  it('reads what another protobuf encoder wrote, absent fields as their defaults', () => {
    const bytes = EventBatch.encode(
      EventBatch.fromObject({ headPosition: '12', events: [{ globalPosition: '12', type: 'T' }] }),
    ).finish();
    const decoded = decodeEventFrame(bytes);
    expect(decoded.headPosition).toBe(12);
    expect(decoded.events).toEqual([
      {
        eventId: '',
        streamId: '',
        streamVersion: 0,
        globalPosition: 12,
        type: 'T',
        schemaVersion: 0,
        data: new Uint8Array(),
        metadata: {},
        recordedAt: '',
      },
    ]);
  });

  it('split a batch into frames of at most the byte limit, or one event alone, each with the head', () => {
    const events = Array.from({ length: 100 }, (_, i) => event(i + 1, i === 50 ? 30_000 : 1_000));
    const frames = encodeEventFrames(events, 100, 10_000);
    const decoded = frames.map(decodeEventFrame);
    expect(decoded.flatMap((f) => f.events).map((e) => e.globalPosition)).toEqual(
      events.map((e) => e.globalPosition),
    );
    expect(decoded.every((f) => f.headPosition === 100)).toBe(true);
    for (const [i, frame] of frames.entries()) {
      if (decoded[i]!.events.length > 1) expect(frame.length).toBeLessThan(10_000 + 1_200);
    }
    expect(decoded.find((f) => f.events.some((e) => e.globalPosition === 51))!.events).toHaveLength(
      1,
    );
  });

  it('hold at most the given number of events per frame', () => {
    const frames = encodeEventFrames(
      Array.from({ length: 10 }, (_, i) => event(i + 1)),
      10,
      1 << 20,
      4,
    );
    expect(frames.map((f) => decodeEventFrame(f).events.length)).toEqual([4, 4, 2]);
  });

  it('tell the head in one empty frame when there are no events', () => {
    const frames = encodeEventFrames([], 42);
    expect(frames.map(decodeEventFrame)).toEqual([{ headPosition: 42, events: [] }]);
  });

  it('refuse bytes cut short instead of inventing an event', () => {
    const [frame] = encodeEventFrames([event(1, 100)], 1);
    expect(() => decodeEventFrame(frame!.subarray(0, frame!.length - 10))).toThrow(RangeError);
  });
});
