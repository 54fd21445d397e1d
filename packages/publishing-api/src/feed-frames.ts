import protobuf from 'protobufjs';
import type { StoredEvent } from '@fairflax/event-store';

/**
 * EventBatch messages written and read straight from and to stored events, without the
 * intermediate objects proto-loader builds: the feed's hot path on both ends. The bytes are the
 * same `EventBatch` of `publishing.proto`, so any protobuf client reads them.
 */
const { Reader, Writer } = protobuf;

const LEN = 2;
const BATCH_EVENTS = (1 << 3) | LEN;
const BATCH_HEAD = 2 << 3;
const ENTRY_KEY = (1 << 3) | LEN;
const ENTRY_VALUE = (2 << 3) | LEN;

/** Frames stop growing past this (one event may exceed it alone); grpc-js refuses over 4 MiB. */
export const FEED_FRAME_BYTES = 256 * 1024;

function writeEnvelope(writer: protobuf.Writer, event: StoredEvent): void {
  writer
    .uint32(BATCH_EVENTS)
    .fork()
    .uint32((1 << 3) | LEN)
    .string(event.eventId)
    .uint32((2 << 3) | LEN)
    .string(event.streamId)
    .uint32(3 << 3)
    .int64(event.streamVersion)
    .uint32(4 << 3)
    .int64(event.globalPosition)
    .uint32((5 << 3) | LEN)
    .string(event.type)
    .uint32(6 << 3)
    .int32(event.schemaVersion)
    .uint32((7 << 3) | LEN)
    .bytes(event.data);
  for (const key in event.metadata) {
    writer
      .uint32((8 << 3) | LEN)
      .fork()
      .uint32(ENTRY_KEY)
      .string(key)
      .uint32(ENTRY_VALUE)
      .string(event.metadata[key]!)
      .ldelim();
  }
  writer
    .uint32((9 << 3) | LEN)
    .string(event.recordedAt)
    .ldelim();
}

/**
 * `events` as EventBatch frames of at most `frameBytes` (or one event) and `frameEvents` events
 * each, in order, each carrying `headPosition`; no events give one empty frame, which tells a
 * follower the head.
 */
export function encodeEventFrames(
  events: readonly StoredEvent[],
  headPosition: number,
  frameBytes = FEED_FRAME_BYTES,
  frameEvents = Infinity,
): Buffer[] {
  const frames: Buffer[] = [];
  let writer = Writer.create().uint32(BATCH_HEAD).int64(headPosition);
  let inFrame = 0;
  for (const event of events) {
    writeEnvelope(writer, event);
    if (++inFrame >= frameEvents || writer.len >= frameBytes) {
      frames.push(writer.finish() as Buffer);
      writer = Writer.create().uint32(BATCH_HEAD).int64(headPosition);
      inFrame = 0;
    }
  }
  if (inFrame > 0 || frames.length === 0) frames.push(writer.finish() as Buffer);
  return frames;
}

export interface DecodedFrame {
  headPosition: number;
  events: StoredEvent[];
}

function safeNumber(value: protobuf.Long | number, field: string): number {
  const n = typeof value === 'number' ? value : value.high * 2 ** 32 + (value.low >>> 0);
  if (!Number.isSafeInteger(n)) throw new RangeError(`${field} ${n} is past 2^53, not exact`);
  return n;
}

function readMetadataEntry(reader: protobuf.Reader, into: Record<string, string>): void {
  const end = reader.uint32() + reader.pos;
  let key = '';
  let value = '';
  while (reader.pos < end) {
    const tag = reader.uint32();
    if (tag === ENTRY_KEY) key = reader.string();
    else if (tag === ENTRY_VALUE) value = reader.string();
    else reader.skipType(tag & 7);
  }
  into[key] = value;
}

function readEnvelope(reader: protobuf.Reader): StoredEvent {
  const end = reader.uint32() + reader.pos;
  const event: StoredEvent = {
    eventId: '',
    streamId: '',
    streamVersion: 0,
    globalPosition: 0,
    type: '',
    schemaVersion: 0,
    data: new Uint8Array(),
    metadata: {},
    recordedAt: '',
  };
  const metadata: Record<string, string> = {};
  while (reader.pos < end) {
    const tag = reader.uint32();
    switch (tag >>> 3) {
      case 1:
        event.eventId = reader.string();
        break;
      case 2:
        event.streamId = reader.string();
        break;
      case 3:
        event.streamVersion = safeNumber(reader.int64(), 'stream_version');
        break;
      case 4:
        event.globalPosition = safeNumber(reader.int64(), 'global_position');
        break;
      case 5:
        event.type = reader.string();
        break;
      case 6:
        event.schemaVersion = reader.int32();
        break;
      case 7: {
        // A view into the frame, as the store's own events are views into their rows.
        const bytes = reader.bytes();
        event.data = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        break;
      }
      case 8:
        readMetadataEntry(reader, metadata);
        break;
      case 9:
        event.recordedAt = reader.string();
        break;
      default:
        reader.skipType(tag & 7);
    }
  }
  event.metadata = metadata;
  return event;
}

/** The inverse of `encodeEventFrames` for one frame; throws on bytes that are not an EventBatch. */
export function decodeEventFrame(frame: Uint8Array): DecodedFrame {
  const reader = Reader.create(frame);
  const decoded: DecodedFrame = { headPosition: 0, events: [] };
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    if (tag === BATCH_EVENTS) decoded.events.push(readEnvelope(reader));
    else if (tag === BATCH_HEAD) decoded.headPosition = safeNumber(reader.int64(), 'head_position');
    else reader.skipType(tag & 7);
  }
  return decoded;
}
