import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  encode,
  Gate,
  hex,
  idOf,
  idsOf,
  keysNamed,
  numbered,
  Recorder,
  round,
  sorted,
  uniqueName,
} from './contract-support.js';
import type { BusFeatures, BusMessage, Delivery, MessageBus, SubscribeOptions } from './port.js';

export interface BusUnderTest {
  bus: MessageBus;
  /** Runs after the suite closed the bus. */
  cleanup?: () => Promise<void>;
  /** Persistent adapters: a new bus over the same storage; the previous one is closed first. */
  restart?: () => Promise<MessageBus>;
}

export interface BusContractOptions {
  /** Default 5s; brokers need more. */
  deadlineMs?: number;
}

/**
 * Checks of an undeclared optional feature are not registered rather than `it.skipIf`'d: CI
 * fails a run with any skipped test, and such a check does not apply rather than could not run.
 */
export function busContract(
  name: string,
  open: () => Promise<BusUnderTest>,
  features: BusFeatures,
  options: BusContractOptions = {},
): void {
  const deadlineMs = options.deadlineMs ?? 5_000;
  const timeout = deadlineMs * 4;
  const check = (behaviour: string, body: () => Promise<void>): void => {
    it(behaviour, body, timeout);
  };
  const checkIf = (feature: keyof BusFeatures, behaviour: string, body: () => Promise<void>) => {
    if (features[feature]) check(`${behaviour} (${feature})`, body);
  };
  const eventually = (assertion: () => void): Promise<void> =>
    vi.waitFor(assertion, { timeout: deadlineMs, interval: 5 });

  describe(`${name} honours the MessageBus contract`, () => {
    let underTest: BusUnderTest;
    let bus: MessageBus;
    let topic: string;

    beforeEach(async () => {
      underTest = await open();
      bus = underTest.bus;
      topic = uniqueName('topic');
    });

    afterEach(async () => {
      await bus.close();
      await underTest.cleanup?.();
    });

    async function subscribe(
      group: string,
      extra: Omit<SubscribeOptions, 'group'> = {},
      on = topic,
    ): Promise<Recorder> {
      const recorder = new Recorder();
      recorder.subscription = await bus.subscribe(on, { group, ...extra }, recorder.handler);
      return recorder;
    }

    async function expectReceivedOnce(recorder: Recorder, messages: readonly BusMessage[]) {
      await eventually(() => expect(recorder.ids.length).toBeGreaterThanOrEqual(messages.length));
      expect(sorted(recorder.ids)).toEqual(sorted(idsOf(messages)));
    }

    check(
      'delivers every published message with its key, value bytes and headers intact',
      async () => {
        const sent: BusMessage[] = [
          {
            key: 'article-1',
            value: Uint8Array.from({ length: 256 }, (_, i) => i),
            headers: { 'content-type': 'application/x-protobuf', 'event-type': 'ArticlePublished' },
          },
          { key: 'article-2', value: new Uint8Array(0), headers: {} },
          {
            key: 'author-zoë',
            value: encode('héllo wörld'),
            headers: { 'trace-id': 'ü-1', empty: '' },
          },
        ];
        const recorder = await subscribe(uniqueName('group'));
        await bus.publish(topic, sent);

        await eventually(() => expect(recorder.deliveries.length).toBeGreaterThanOrEqual(3));
        const seen = (messages: readonly (BusMessage | Delivery)[]) =>
          messages
            .map((m) => ({ key: m.key, value: hex(m.value), headers: { ...m.headers } }))
            .sort((a, b) => a.key.localeCompare(b.key));
        expect(seen(recorder.deliveries)).toEqual(seen(sent));
        expect(recorder.deliveries.map((d) => d.topic)).toEqual([topic, topic, topic]);
      },
    );

    check('gives every consumer group every message', async () => {
      const sent = [0, 1, 2, 3, 4].flatMap((seq) => round(keysNamed(6), seq));
      const first = await subscribe(uniqueName('group'));
      const second = await subscribe(uniqueName('group'));
      await bus.publish(topic, sent);

      await expectReceivedOnce(first, sent);
      await expectReceivedOnce(second, sent);
    });

    checkIf(
      'consumerGroups',
      'shares a group between its members, each message going to one member',
      async () => {
        const group = uniqueName('group');
        const members = [await subscribe(group), await subscribe(group)] as const;
        const received = () => members.flatMap((member) => member.ids);
        // Brokers rebalance asynchronously, so publish rounds until both members have some.
        const sent: BusMessage[] = [];
        const deadline = Date.now() + deadlineMs;
        for (let seq = 0; members.some((m) => m.ids.length === 0) && Date.now() < deadline; seq++) {
          const next = round(keysNamed(16), seq);
          await bus.publish(topic, next);
          sent.push(...next);
          await eventually(() => expect(received().length).toBeGreaterThanOrEqual(sent.length));
        }

        expect(members[0].ids.length).toBeGreaterThan(0);
        expect(members[1].ids.length).toBeGreaterThan(0);
        expect(sorted(received())).toEqual(sorted(idsOf(sent)));
      },
    );

    checkIf(
      'orderedPerKey',
      'keeps each key in publish order while many keys are published interleaved',
      async () => {
        const keys = keysNamed(12);
        const perKey = 30;
        const recorder = await subscribe(uniqueName('group'));
        await bus.publish(
          topic,
          [0, 1, 2, 3, 4].flatMap((seq) => round(keys, seq)),
        );
        await Promise.all(
          keys.map(async (key) => {
            for (let seq = 5; seq < perKey; seq += 5) {
              await bus.publish(
                topic,
                [0, 1, 2, 3, 4].map((i) => numbered(key, seq + i)),
              );
            }
          }),
        );

        await eventually(() =>
          expect(recorder.ids.length).toBeGreaterThanOrEqual(keys.length * perKey),
        );
        for (const key of keys) {
          const ofKey = recorder.deliveries.filter((d) => d.key === key);
          expect(ofKey.map(idOf)).toEqual(
            Array.from({ length: perKey }, (_, seq) => `${key}#${seq}`),
          );
          expect(new Set(ofKey.map((d) => d.partition)).size).toBe(1);
        }
      },
    );

    check(
      'redelivers a batch whose handler threw, holding back the rest of its partition until acked',
      async () => {
        const calls: { ids: string[]; failed: boolean }[] = [];
        await bus.publish(
          topic,
          [0, 1, 2, 3, 4].map((seq) => numbered('stream-a', seq)),
        );
        await bus.subscribe(topic, { group: uniqueName('group') }, (batch) => {
          const failed = calls.length < 2;
          calls.push({ ids: batch.map(idOf), failed });
          return failed
            ? Promise.reject(new Error('failure injected by the contract suite'))
            : Promise.resolve();
        });
        await eventually(() => expect(calls.length).toBeGreaterThanOrEqual(1));
        // Published while the first batch is failing: must wait behind it, in the same partition.
        await bus.publish(
          topic,
          [5, 6, 7].map((seq) => numbered('stream-a', seq)),
        );

        const acked = () => calls.filter((c) => !c.failed).flatMap((c) => c.ids);
        await eventually(() => expect(acked().length).toBeGreaterThanOrEqual(8));
        expect(calls.filter((c) => c.failed).map((c) => c.ids[0])).toEqual([
          'stream-a#0',
          'stream-a#0',
        ]);
        expect(acked()).toEqual(Array.from({ length: 8 }, (_, seq) => `stream-a#${seq}`));
      },
    );

    checkIf(
      'stableOffsets',
      'redelivers a message with the partition and offset it had before',
      async () => {
        const attempts = new Map<string, string[]>();
        let failures = 0;
        await bus.publish(topic, round(keysNamed(4), 0));
        await bus.subscribe(topic, { group: uniqueName('group') }, (batch) => {
          for (const d of batch) {
            attempts.set(idOf(d), [...(attempts.get(idOf(d)) ?? []), `${d.partition}/${d.offset}`]);
          }
          return failures++ < 1 ? Promise.reject(new Error('failure injected')) : Promise.resolve();
        });

        const retried = () => [...attempts.values()].filter((positions) => positions.length > 1);
        await eventually(() => expect(retried().length).toBeGreaterThan(0));
        for (const positions of retried()) expect(new Set(positions).size).toBe(1);
      },
    );

    check('stops delivering to a subscription once it is closed', async () => {
      const group = uniqueName('group');
      const closed = await subscribe(group);
      const before = round(keysNamed(8), 0);
      await bus.publish(topic, before);
      await expectReceivedOnce(closed, before);
      await closed.close();

      const after = round(keysNamed(8), 1);
      await bus.publish(topic, after);
      // A new member of the same group takes everything the closed one would have had.
      const successor = await subscribe(group);
      await expectReceivedOnce(successor, after);
      expect(sorted(closed.ids)).toEqual(sorted(idsOf(before)));
    });

    check('closing a subscription waits for its in-flight batch to finish', async () => {
      const gate = new Gate();
      let started = false;
      let finished = false;
      const subscription = await bus.subscribe(topic, { group: uniqueName('group') }, async () => {
        started = true;
        await gate.opened;
        finished = true;
      });
      await bus.publish(topic, [numbered('stream-a', 0)]);
      await eventually(() => expect(started).toBe(true));
      let closeResolved = false;
      let finishedWhenClosed = false;
      const closing = subscription.close().then(() => {
        closeResolved = true;
        finishedWhenClosed = finished;
      });
      // A round trip through the bus gives a close that does not wait the chance to show it.
      const fenceTopic = uniqueName('fence');
      const fence = await subscribe(uniqueName('group'), {}, fenceTopic);
      await bus.publish(fenceTopic, [numbered('fence', 0)]);
      await eventually(() => expect(fence.ids).toEqual(['fence#0']));
      expect(closeResolved).toBe(false);

      gate.open();
      await closing;
      expect(finishedWhenClosed).toBe(true);
    });

    check('starts a new group at new messages only when fromBeginning is false', async () => {
      const keys = keysNamed(6);
      await bus.publish(topic, round(keys, 0));
      const recorder = await subscribe(uniqueName('group'), { fromBeginning: false });
      const fresh = round(keys, 1);
      await bus.publish(topic, fresh);

      // Same keys as the old messages, so an old one would have arrived before its fresh one.
      await expectReceivedOnce(recorder, fresh);
    });

    check(
      'starts a new group at the oldest message by default and with fromBeginning',
      async () => {
        const old = [0, 1].flatMap((seq) => round(keysNamed(6), seq));
        await bus.publish(topic, old);
        const byDefault = await subscribe(uniqueName('group'));
        const explicitly = await subscribe(uniqueName('group'), { fromBeginning: true });

        await expectReceivedOnce(byDefault, old);
        await expectReceivedOnce(explicitly, old);
      },
    );

    check('resumes a group after its last acked message, repeating none it acked', async () => {
      const group = uniqueName('group');
      const keys = keysNamed(8);
      const first = await subscribe(group);
      await bus.publish(topic, round(keys, 0));
      await expectReceivedOnce(first, round(keys, 0));
      await first.close();

      await bus.publish(topic, round(keys, 1));
      const resumed = await subscribe(group);
      await expectReceivedOnce(resumed, round(keys, 1));
    });

    check(
      'resumes a returning group at its position even when fromBeginning is false',
      async () => {
        const group = uniqueName('group');
        const keys = keysNamed(8);
        const first = await subscribe(group);
        await bus.publish(topic, round(keys, 0));
        await expectReceivedOnce(first, round(keys, 0));
        await first.close();

        // Published while the group had no member: its committed position, not "new only", rules.
        await bus.publish(topic, round(keys, 1));
        const resumed = await subscribe(group, { fromBeginning: false });
        await expectReceivedOnce(resumed, round(keys, 1));
      },
    );

    check('numbers messages with increasing offsets within each partition', async () => {
      const keys = keysNamed(10);
      const recorder = await subscribe(uniqueName('group'));
      for (const seq of [0, 1, 2, 3]) await bus.publish(topic, round(keys, seq));

      await eventually(() => expect(recorder.ids.length).toBeGreaterThanOrEqual(40));
      const partitions = new Set(recorder.deliveries.map((d) => d.partition));
      for (const partition of partitions) {
        const offsets = recorder.deliveries
          .filter((d) => d.partition === partition)
          .map((d) => d.offset);
        expect(offsets.every((offset) => Number.isInteger(offset) && offset >= 0)).toBe(true);
        expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
        expect(new Set(offsets).size).toBe(offsets.length);
      }
    });

    checkIf(
      'stableOffsets',
      'shows every group a message at the same partition and offset',
      async () => {
        const sent = [0, 1].flatMap((seq) => round(keysNamed(8), seq));
        const first = await subscribe(uniqueName('group'));
        await bus.publish(topic, sent);
        await expectReceivedOnce(first, sent);
        const later = await subscribe(uniqueName('group'));
        await expectReceivedOnce(later, sent);

        const positions = (r: Recorder) =>
          Object.fromEntries(r.deliveries.map((d) => [idOf(d), `${d.partition}/${d.offset}`]));
        expect(positions(later)).toEqual(positions(first));
      },
    );

    checkIf('persistent', 'keeps messages and committed positions across a restart', async () => {
      const restart = underTest.restart;
      if (!restart) throw new Error(`${name} declares persistent, but open() gave no restart()`);
      const group = uniqueName('group');
      const keys = keysNamed(6);
      const first = await subscribe(group);
      await bus.publish(topic, round(keys, 0));
      await expectReceivedOnce(first, round(keys, 0));
      await first.close();
      await bus.publish(topic, round(keys, 1));

      await bus.close();
      bus = await restart();
      const resumed = await subscribe(group);
      const fresh = await subscribe(uniqueName('group'));
      await expectReceivedOnce(resumed, round(keys, 1));
      await expectReceivedOnce(fresh, [...round(keys, 0), ...round(keys, 1)]);
    });
  });
}
