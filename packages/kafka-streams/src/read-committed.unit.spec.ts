import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

/**
 * kafkajs' read_committed filtering, on the object its consumer builds from a fetch response
 * (`consumer/batch.js`): records of aborted transactions must never reach `eachBatch`. Several
 * transactional producers write to one partition of a repartition topic (one per input
 * partition), so their transactions interleave and the broker lists the aborted ones in the
 * order they were aborted. kafkajs 2.2.4 assumed first-offset order and let such records
 * through; patches/kafkajs@2.2.4.patch fixes it (see the README).
 */
const require = createRequire(import.meta.url);
type BatchMessage = {
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  isControlRecord: boolean;
  batchContext: { producerId: string; inTransaction: boolean };
};
const Batch = require('kafkajs/src/consumer/batch.js') as new (
  topic: string,
  fetchedOffset: string,
  partitionData: {
    partition: number;
    highWatermark: string;
    abortedTransactions: { producerId: string; firstOffset: string }[];
    messages: BatchMessage[];
  },
) => { messages: BatchMessage[] };

const record = (offset: number, producerId: string): BatchMessage => ({
  offset: String(offset),
  key: Buffer.from(`k${offset}`),
  value: Buffer.from(`${producerId}@${offset}`),
  isControlRecord: false,
  batchContext: { producerId, inTransaction: true },
});
/** A transaction marker: key = version 0 + type (0 abort, 1 commit). */
const marker = (offset: number, producerId: string, commit: boolean): BatchMessage => ({
  offset: String(offset),
  key: Buffer.from([0, 0, 0, commit ? 1 : 0]),
  value: Buffer.alloc(6),
  isControlRecord: true,
  batchContext: { producerId, inTransaction: true },
});

const delivered = (
  fetchedOffset: number,
  messages: BatchMessage[],
  aborted: { producerId: string; firstOffset: number }[],
) =>
  new Batch('repartition', String(fetchedOffset), {
    partition: 0,
    highWatermark: String(messages.length),
    abortedTransactions: aborted.map((a) => ({ ...a, firstOffset: String(a.firstOffset) })),
    messages,
  }).messages.map((m) => m.value?.toString());

describe('kafkajs read_committed filtering of interleaved transactions', () => {
  // Producer 1 opens a transaction, then producer 2; 2 is aborted first, then 1; 3 commits.
  const log = [
    record(0, '1'),
    record(1, '2'),
    record(2, '1'),
    marker(3, '2', false),
    marker(4, '1', false),
    record(5, '3'),
    marker(6, '3', true),
  ];
  // What the broker sends: its transaction index, in the order of the abort markers.
  const abortedInMarkerOrder = [
    { producerId: '2', firstOffset: 1 },
    { producerId: '1', firstOffset: 0 },
  ];

  it('drops the records of a transaction aborted after one that started later', () => {
    expect(delivered(0, log, abortedInMarkerOrder)).toEqual(['3@5']);
  });

  it('drops the records of every aborted transaction that started before the fetch offset', () => {
    // A fetch that starts inside both transactions (a batch handed over part-way, say).
    expect(delivered(2, log, abortedInMarkerOrder)).toEqual(['3@5']);
  });

  it('keeps committed records of a producer whose earlier transaction was aborted', () => {
    const again = [record(0, '1'), marker(1, '1', false), record(2, '1'), marker(3, '1', true)];
    expect(delivered(0, again, [{ producerId: '1', firstOffset: 0 }])).toEqual(['1@2']);
  });

  it('does not take a data record whose key is four zero bytes for an abort marker', () => {
    const zeroKey = { ...record(1, '1'), key: Buffer.from([0, 0, 0, 0]) };
    const messages = [record(0, '1'), zeroKey, record(2, '1'), marker(3, '1', false)];
    expect(delivered(0, messages, [{ producerId: '1', firstOffset: 0 }])).toEqual([]);
  });
});
