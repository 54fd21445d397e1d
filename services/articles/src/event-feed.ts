import type * as grpc from '@grpc/grpc-js';
import type { EventStore } from '@fairflax/event-store';
import { encodeEventFrames, EventFeedService, FEED_FRAME_BYTES } from '@fairflax/publishing-api';
import type { Logger } from '@fairflax/service-kit';
import { ValidationError } from './domain/errors.js';

export const FEED_BATCH_DEFAULT = 500;
export const FEED_BATCH_MAX = 5_000;
/** Rows read from the store at a time, however large the batches a follower asks for. */
const READ_ROWS = 500;

type Wire = Record<string, unknown>;

/** EventFeed with Subscribe answering EventBatch frames already encoded by the handler. */
export const eventFeedFrameService: grpc.ServiceDefinition = {
  ...EventFeedService.service,
  Subscribe: {
    ...EventFeedService.service['Subscribe']!,
    responseSerialize: (frame: Buffer) => frame,
  },
};

/** Resolves once HTTP/2 took the frame, or once the call is gone (grpc-js then never calls back). */
function written(
  call: grpc.ServerWritableStream<Wire, Buffer>,
  frame: Buffer,
  signal: AbortSignal,
) {
  return new Promise<void>((resolve) => {
    const done = () => {
      signal.removeEventListener('abort', done);
      resolve();
    };
    signal.addEventListener('abort', done, { once: true });
    call.write(frame, done);
  });
}

function parseRequest(request: Wire): { after: number; batchSize: number } {
  const after = Number(request['afterPosition'] ?? 0);
  const requested = Number(request['batchSize'] ?? 0);
  if (!Number.isSafeInteger(after) || after < 0) {
    throw new ValidationError(`after_position must be a non-negative integer`, 'after_position');
  }
  const batchSize = requested > 0 ? Math.min(requested, FEED_BATCH_MAX) : FEED_BATCH_DEFAULT;
  return { after, batchSize };
}

/**
 * The head goes first, so a follower of an empty log knows it is caught up. At most two frames
 * wait for HTTP/2 (whose flow control follows the reader) while the next is read and encoded:
 * a slow follower holds the server back by a few hundred kilobytes, never by a copy of the log.
 */
export function subscribeHandler(
  store: EventStore,
  logger: Logger,
  toStatus: (err: unknown) => Partial<grpc.StatusObject>,
): grpc.handleServerStreamingCall<Wire, Buffer> {
  return (call) => {
    const controller = new AbortController();
    const { signal } = controller;
    call.on('cancelled', () => controller.abort());
    call.on('close', () => controller.abort());
    void (async () => {
      try {
        const { after, batchSize } = parseRequest(call.request);
        let previous = Promise.resolve();
        const send = async (frame: Buffer) => {
          const sending = written(call, frame, signal);
          await previous;
          previous = sending;
        };
        for (const frame of encodeEventFrames([], await store.headPosition())) await send(frame);
        for await (const events of store.subscribe(after, {
          batchSize: Math.min(batchSize, READ_ROWS),
          signal,
        })) {
          const last = events.at(-1)?.globalPosition ?? after;
          const head = Math.max(last, await store.headPosition());
          for (const frame of encodeEventFrames(events, head, FEED_FRAME_BYTES, batchSize)) {
            if (signal.aborted) break;
            await send(frame);
          }
        }
        if (!signal.aborted) call.end();
      } catch (err) {
        if (signal.aborted) return;
        logger.error({ err }, 'event feed subscription failed');
        // grpc-js turns an 'error' into the call's status, trailers included.
        const status = toStatus(err);
        call.emit('error', Object.assign(new Error(status.details), status));
      }
    })();
  };
}
