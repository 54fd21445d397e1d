import type { BatchHandler, BusMessage, Delivery } from '../index.js';
import { busContract } from '../contract.js';
import { describe, expect, it, vi } from 'vitest';
import { InProcessBus, inProcessFeatures } from './in-process-bus.js';
import type { HandlerFailure } from '../redelivery.js';
import { resolveSettings } from './options.js';

busContract(
  'InProcessBus',
  () => Promise.resolve({ bus: new InProcessBus({ onHandlerError: () => undefined }) }),
  inProcessFeatures,
);

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const keys = Array.from({ length: 16 }, (_, i) => `stream-${i}`);
const message = (key: string, seq: number): BusMessage => ({
  key,
  value: encoder.encode(`${key}#${seq}`),
  headers: {},
});
const round = (seq: number, of: readonly string[] = keys) => of.map((key) => message(key, seq));
const idOf = (delivery: Delivery) => decoder.decode(delivery.value);
const idsOf = (messages: readonly BusMessage[]) => messages.map((m) => decoder.decode(m.value));
const sorted = (ids: readonly string[]) => [...ids].sort();
/** Lets every pending promise callback and I/O turn run; the bus itself never sleeps here. */
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Open by default; once closed, handlers wait at it until it is opened again. */
class Gate {
  opened: Promise<void> = Promise.resolve();
  private release: () => void = () => undefined;

  close(): void {
    this.opened = new Promise((resolve) => {
      this.release = resolve;
    });
  }

  open(): void {
    this.release();
  }
}

/** A group member that records what it acked, and can be held mid-batch with its gate. */
function member() {
  const acked: Delivery[] = [];
  const gate = new Gate();
  let inFlight = 0;
  const handler: BatchHandler = async (batch) => {
    inFlight++;
    await gate.opened;
    inFlight--;
    acked.push(...batch);
  };
  return {
    acked,
    gate,
    handler,
    ids: () => acked.map(idOf),
    partitions: (of: readonly Delivery[] = acked) => new Set(of.map((d) => d.partition)),
    inFlight: () => inFlight,
  };
}

describe('InProcessBus backpressure', () => {
  it('makes publish wait while the slowest subscribed group trails by more than maxLag', async () => {
    const maxLag = 4;
    const bus = new InProcessBus({ partitions: 1, maxLag, maxBatch: 2 });
    const fast = member();
    const slow = member();
    await bus.subscribe('t', { group: 'fast' }, fast.handler);
    await bus.subscribe('t', { group: 'slow' }, slow.handler);
    slow.gate.close();

    let attempted = 0;
    let resolved = 0;
    const lagWhenResolved: number[] = [];
    const producing = (async () => {
      for (let seq = 1; seq <= 12; seq++) {
        attempted = seq;
        await bus.publish('t', [message('a', seq)]);
        resolved = seq;
        lagWhenResolved.push(seq - slow.acked.length);
      }
    })();

    await vi.waitFor(() => expect(attempted).toBe(maxLag + 1));
    await flush();
    await flush();
    // The slow group holds its first message and has acked nothing: the fifth message puts it
    // maxLag + 1 behind, so that publish must not resolve, even though the fast group is done.
    expect(resolved).toBe(maxLag);
    await vi.waitFor(() => expect(fast.acked).toHaveLength(maxLag + 1));

    slow.gate.open();
    await producing;
    expect(Math.max(...lagWhenResolved)).toBeLessThanOrEqual(maxLag);
    await vi.waitFor(() => expect(slow.acked).toHaveLength(12));
    expect(slow.ids()).toEqual(Array.from({ length: 12 }, (_, i) => `a#${i + 1}`));
    await bus.close();
  });

  it('lets a group without members fall behind, and hands it what it missed when it returns', async () => {
    const bus = new InProcessBus({ partitions: 2, maxLag: 3 });
    const before = member();
    const subscription = await bus.subscribe('t', { group: 'g' }, before.handler);
    await bus.publish('t', round(0));
    await vi.waitFor(() => expect(before.acked).toHaveLength(keys.length));
    await subscription.close();

    // Far more than maxLag: would never resolve if the absent group held publishers back.
    for (const seq of [1, 2, 3]) await bus.publish('t', round(seq));
    const returned = member();
    await bus.subscribe('t', { group: 'g' }, returned.handler);

    const missed = [1, 2, 3].flatMap((seq) => round(seq));
    await vi.waitFor(() => expect(returned.acked).toHaveLength(missed.length));
    expect(sorted(returned.ids())).toEqual(sorted(idsOf(missed)));
    await bus.close();
  });

  it('releases a publish held back by backpressure with an error when the bus closes', async () => {
    const bus = new InProcessBus({ partitions: 1, maxLag: 0 });
    const stuck = member();
    stuck.gate.close();
    await bus.subscribe('t', { group: 'g' }, stuck.handler);
    const publishing = bus.publish('t', [message('a', 0)]);
    await vi.waitFor(() => expect(stuck.inFlight()).toBe(1));

    const closing = bus.close();
    await expect(publishing).rejects.toThrow(/closed/);
    stuck.gate.open();
    await closing;
  });
});

describe('InProcessBus rebalancing', () => {
  it('hands a leaving member’s partitions to the remaining member, losing and repeating nothing', async () => {
    const bus = new InProcessBus({ partitions: 4, maxBatch: 3 });
    const leaving = member();
    const staying = member();
    const leavingSubscription = await bus.subscribe('t', { group: 'g' }, leaving.handler);
    await bus.subscribe('t', { group: 'g' }, staying.handler);
    await bus.publish('t', round(0));
    await vi.waitFor(() => expect(leaving.acked.length + staying.acked.length).toBe(keys.length));
    expect([...leaving.partitions(), ...staying.partitions()].sort()).toEqual([0, 1, 2, 3]);

    // Leave while holding batches: close waits for them, the rest of their partitions moves.
    leaving.gate.close();
    await bus.publish('t', round(1));
    await vi.waitFor(() => expect(leaving.inFlight()).toBeGreaterThan(0));
    let closed = false;
    const closing = leavingSubscription.close().then(() => (closed = true));
    await flush();
    expect(closed).toBe(false);
    leaving.gate.open();
    await closing;

    const ackedBeforeRound2 = leaving.acked.length;
    await bus.publish('t', round(2));
    const sent = [0, 1, 2].flatMap((seq) => round(seq));
    const all = () => [...leaving.ids(), ...staying.ids()];
    await vi.waitFor(() => expect(all().length).toBeGreaterThanOrEqual(sent.length));
    expect(sorted(all())).toEqual(sorted(idsOf(sent)));
    expect(leaving.acked.length).toBe(ackedBeforeRound2);
    const round2 = staying.acked.filter((d) => idOf(d).endsWith('#2'));
    expect(staying.partitions(round2)).toEqual(new Set([0, 1, 2, 3]));
    await bus.close();
  });

  it('gives a joining member some partitions, losing and repeating nothing', async () => {
    const bus = new InProcessBus({ partitions: 4 });
    const first = member();
    const joining = member();
    await bus.subscribe('t', { group: 'g' }, first.handler);
    await bus.publish('t', round(0));
    await vi.waitFor(() => expect(first.acked).toHaveLength(keys.length));

    await bus.subscribe('t', { group: 'g' }, joining.handler);
    await bus.publish('t', round(1));
    const sent = [0, 1].flatMap((seq) => round(seq));
    const all = () => [...first.ids(), ...joining.ids()];
    await vi.waitFor(() => expect(all().length).toBeGreaterThanOrEqual(sent.length));

    expect(sorted(all())).toEqual(sorted(idsOf(sent)));
    const firstRound1 = first.acked.filter((d) => idOf(d).endsWith('#1'));
    expect(joining.acked.length).toBeGreaterThan(0);
    expect(firstRound1.length).toBeGreaterThan(0);
    const overlap = [...first.partitions(firstRound1)].filter((p) => joining.partitions().has(p));
    expect(overlap).toEqual([]);
    await bus.close();
  });
});

describe('InProcessBus', () => {
  it('routes a key to the same partition on every bus, spreading keys over all partitions', async () => {
    const partitionsOf = async () => {
      const bus = new InProcessBus({ partitions: 3 });
      const recorder = member();
      await bus.subscribe('t', { group: 'g' }, recorder.handler);
      await bus.publish('t', round(0));
      await vi.waitFor(() => expect(recorder.acked).toHaveLength(keys.length));
      await bus.close();
      return Object.fromEntries(recorder.acked.map((d) => [d.key, d.partition]));
    };

    const first = await partitionsOf();
    expect(await partitionsOf()).toEqual(first);
    expect(new Set(Object.values(first))).toEqual(new Set([0, 1, 2]));
  });

  it('retries a failing batch with back-off, reporting each failure to onHandlerError', async () => {
    const failures: { error: unknown; failure: HandlerFailure }[] = [];
    const bus = new InProcessBus({
      retryBackoff: { initialMs: 1, maxMs: 4 },
      onHandlerError: (error, failure) => failures.push({ error, failure }),
    });
    const handled: string[][] = [];
    await bus.subscribe('t', { group: 'g' }, (batch) => {
      handled.push(batch.map(idOf));
      return handled.length <= 3 ? Promise.reject(new Error('boom')) : Promise.resolve();
    });
    await bus.publish('t', [message('a', 0), message('a', 1)]);

    await vi.waitFor(() => expect(handled).toHaveLength(4));
    expect(handled).toEqual([0, 1, 2, 3].map(() => ['a#0', 'a#1']));
    expect(failures.map((f) => f.failure.attempt)).toEqual([1, 2, 3]);
    expect(failures[0]?.error).toEqual(new Error('boom'));
    expect(failures[0]?.failure).toMatchObject({ topic: 't', group: 'g' });
    expect(failures[0]?.failure.batch.map(idOf)).toEqual(['a#0', 'a#1']);
    await bus.close();
  });

  it('doubles the retry delay from initialMs up to maxMs', () => {
    const { retryDelayMs } = resolveSettings({ retryBackoff: { initialMs: 100, maxMs: 500 } });
    expect([1, 2, 3, 4, 5].map(retryDelayMs)).toEqual([100, 200, 400, 500, 500]);
  });

  it('rejects options that are not integers in range, naming the option', () => {
    expect(() => new InProcessBus({ partitions: 0 })).toThrow(/partitions/);
    expect(() => new InProcessBus({ maxBatch: 1.5 })).toThrow(/maxBatch/);
    expect(() => new InProcessBus({ maxLag: -1 })).toThrow(/maxLag/);
    expect(() => new InProcessBus({ retain: Number.NaN })).toThrow(/retain/);
  });

  it('keeps only the latest `retain` messages every group has acked for a new group', async () => {
    const bus = new InProcessBus({ partitions: 1, retain: 2 });
    const existing = member();
    await bus.subscribe('t', { group: 'existing' }, existing.handler);
    await bus.publish('t', round(0, ['a', 'b', 'c']));
    await vi.waitFor(() => expect(existing.acked).toHaveLength(3));
    await flush();

    const newcomer = member();
    await bus.subscribe('t', { group: 'newcomer' }, newcomer.handler);
    await vi.waitFor(() => expect(newcomer.acked.length).toBeGreaterThanOrEqual(2));
    expect(newcomer.ids()).toEqual(['b#0', 'c#0']);
    await bus.close();
  });

  it('keeps the latest `retain` messages of a topic nobody subscribed to yet', async () => {
    const bus = new InProcessBus({ partitions: 1, retain: 3 });
    await bus.publish('t', round(0, ['a', 'b', 'c', 'd', 'e']));

    const first = member();
    await bus.subscribe('t', { group: 'first' }, first.handler);
    await vi.waitFor(() => expect(first.acked.length).toBeGreaterThanOrEqual(3));
    expect(first.ids()).toEqual(['c#0', 'd#0', 'e#0']);
    await bus.close();
  });

  it('close() waits for in-flight handlers, then refuses publish and subscribe', async () => {
    const bus = new InProcessBus();
    const busy = member();
    busy.gate.close();
    await bus.subscribe('t', { group: 'g' }, busy.handler);
    await bus.publish('t', [message('a', 0)]);
    await vi.waitFor(() => expect(busy.inFlight()).toBe(1));

    let closed = false;
    const closing = bus.close().then(() => (closed = true));
    await flush();
    expect(closed).toBe(false);
    busy.gate.open();
    await closing;
    expect(busy.ids()).toEqual(['a#0']);

    await expect(bus.publish('t', [message('a', 1)])).rejects.toThrow(/closed/);
    await expect(bus.subscribe('t', { group: 'h' }, busy.handler)).rejects.toThrow(/closed/);
  });
});
