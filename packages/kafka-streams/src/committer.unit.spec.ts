import type { Producer, ProducerBatch, RecordMetadata } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { atLeastOnceCommitter, type ProcessedBatch } from './committer.js';

type Step = { sent: string[] } | { committed: number };

/** A producer whose sendBatch records what it was given, and fails for the topics in `failing`. */
function fakeProducer(steps: Step[], failing: ReadonlySet<string> = new Set()) {
  const next = new Map<string, number>();
  const sendBatch = (batch: ProducerBatch): Promise<RecordMetadata[]> => {
    const topics = (batch.topicMessages ?? []).map((t) => t.topic);
    steps.push({ sent: topics });
    const failed = topics.find((topic) => failing.has(topic));
    if (failed) return Promise.reject(new Error(`NOT_LEADER_OR_FOLLOWER on ${failed}`));
    return Promise.resolve(
      (batch.topicMessages ?? []).map(({ topic, messages }) => {
        const base = next.get(topic) ?? 10;
        next.set(topic, base + messages.length);
        return { topicName: topic, partition: 0, errorCode: 0, baseOffset: String(base) };
      }),
    );
  };
  return { sendBatch } as unknown as Producer;
}

function batchOf(steps: Step[], outputs: number): ProcessedBatch {
  return {
    records: [
      {
        topic: 'repartition',
        messages: Array.from({ length: outputs }, (_, i) => ({ key: `k${i}`, value: '1' })),
      },
    ],
    changelog: { topic: 'changelog', messages: [{ key: 'a-1', value: 'counted', partition: 0 }] },
    input: { groupId: 'app-facts', topic: 'article', partition: 0, fromOffset: 4, nextOffset: 7 },
    commitInput: () => {
      steps.push({ committed: 7 });
      return Promise.resolve();
    },
  };
}

describe('the at-least-once committer', () => {
  it('writes the outputs, then the changelog, then commits the input, and reports where each landed', async () => {
    const steps: Step[] = [];
    const written = await atLeastOnceCommitter(fakeProducer(steps)).commit(batchOf(steps, 2));
    expect(steps).toEqual([{ sent: ['repartition'] }, { sent: ['changelog'] }, { committed: 7 }]);
    expect([...written]).toEqual([
      ['repartition/0', 10],
      ['changelog/0', 10],
    ]);
  });

  it('writes no changelog when an output is not acknowledged: the state never gets ahead of the outputs', async () => {
    const steps: Step[] = [];
    const committer = atLeastOnceCommitter(fakeProducer(steps, new Set(['repartition'])));
    await expect(committer.commit(batchOf(steps, 2))).rejects.toThrow(/repartition/);
    expect(steps).toEqual([{ sent: ['repartition'] }]);
  });

  it('does not commit the input when the changelog is not acknowledged', async () => {
    const steps: Step[] = [];
    const committer = atLeastOnceCommitter(fakeProducer(steps, new Set(['changelog'])));
    await expect(committer.commit(batchOf(steps, 2))).rejects.toThrow(/changelog/);
    expect(steps).toEqual([{ sent: ['repartition'] }, { sent: ['changelog'] }]);
  });

  it('sends nothing for a batch without outputs but its changelog', async () => {
    const steps: Step[] = [];
    await atLeastOnceCommitter(fakeProducer(steps)).commit(batchOf(steps, 0));
    expect(steps).toEqual([{ sent: ['changelog'] }, { committed: 7 }]);
  });
});
