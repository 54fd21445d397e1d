import type { Delivery, EventSource } from '@fairflax/projections';
import { describe, expect, it } from 'vitest';
import { withSilenceTimeout } from './silence-timeout.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const batch = (position: number): Delivery[] => [
  { source: 'log', position, event: {} as Delivery['event'] },
];

/** Yields `batches`, then stays silent until aborted, recording that it was. */
function scriptedSource(batches: Delivery[][], gapMs = 0) {
  const seen = { aborted: false };
  const source: EventSource = {
    async *batches(_from, signal) {
      for (const b of batches) {
        await sleep(gapMs);
        yield b;
      }
      await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
      seen.aborted = true;
    },
  };
  return { source, seen };
}

async function drain(source: EventSource, each: (b: readonly Delivery[]) => Promise<void> | void) {
  const controller = new AbortController();
  try {
    for await (const b of source.batches(() => 0, controller.signal)) await each(b);
  } finally {
    controller.abort();
  }
}

describe('withSilenceTimeout', () => {
  it('gives up with its error once the source stays silent for the timeout, and stops the source', async () => {
    const { source, seen } = scriptedSource([batch(1)]);
    const received: number[] = [];
    const started = Date.now();
    const bounded = withSilenceTimeout(source, {
      timeoutMs: 150,
      giveUp: (waited) => new Error(`silent for ${waited} ms`),
    });
    await expect(drain(bounded, (b) => void received.push(b[0]!.position))).rejects.toThrow(
      /^silent for \d+ ms$/,
    );
    expect(received).toEqual([1]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    await sleep(10);
    expect(seen.aborted).toBe(true);
  });

  it('reports the wait while it lasts', async () => {
    const { source } = scriptedSource([]);
    const notes: number[] = [];
    const bounded = withSilenceTimeout(source, {
      timeoutMs: 260,
      noteEveryMs: 100,
      onWaiting: (waited) => notes.push(waited),
      giveUp: () => new Error('gave up'),
    });
    await expect(drain(bounded, () => undefined)).rejects.toThrow('gave up');
    expect(notes).toHaveLength(2);
    expect(notes[0]).toBeGreaterThanOrEqual(90);
  });

  it('counts only the wait for a batch, not the time the consumer spends on one', async () => {
    const { source } = scriptedSource([batch(1), batch(2), batch(3)], 20);
    const received: number[] = [];
    const bounded = withSilenceTimeout(source, {
      timeoutMs: 100,
      giveUp: () => new Error('gave up'),
    });
    await drain(bounded, async (b) => {
      received.push(b[0]!.position);
      if (received.length === 3) throw new Error('done');
      await sleep(250);
    }).catch((err: Error) => expect(err.message).toBe('done'));
    expect(received).toEqual([1, 2, 3]);
  });

  it('ends when the source ends', async () => {
    const ending: EventSource = {
      async *batches() {
        await sleep(5);
        yield batch(1);
      },
    };
    const received: number[] = [];
    await drain(
      withSilenceTimeout(ending, { timeoutMs: 100, giveUp: () => new Error('gave up') }),
      (b) => void received.push(b[0]!.position),
    );
    expect(received).toEqual([1]);
  });

  it('closes the source when the consumer stops early', async () => {
    let closed = false;
    const endless: EventSource = {
      async *batches() {
        try {
          for (let position = 1; ; position++) {
            await sleep(5);
            yield batch(position);
          }
        } finally {
          closed = true;
        }
      },
    };
    const bounded = withSilenceTimeout(endless, { timeoutMs: 100, giveUp: () => new Error('x') });
    for await (const b of bounded.batches(() => 0, new AbortController().signal))
      if (b[0]!.position === 2) break;
    await sleep(10);
    expect(closed).toBe(true);
  });
});
