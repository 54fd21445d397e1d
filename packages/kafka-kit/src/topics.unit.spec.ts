import type { Admin } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { waitForLeaders } from './leaders.js';

type Metadata = Awaited<ReturnType<Admin['fetchTopicMetadata']>>;

const topic = (name: string, leaders: number[]) => ({
  name,
  partitions: leaders.map((leader, partitionId) => ({
    partitionErrorCode: 0,
    partitionId,
    leader,
    replicas: [leader],
    isr: [leader],
  })),
});

/** An admin whose metadata answers are `answers`, in turn (the last one repeats). */
function scriptedAdmin(answers: Array<Metadata | Error>) {
  let calls = 0;
  const admin = {
    fetchTopicMetadata: () => {
      const answer = answers[Math.min(calls++, answers.length - 1)]!;
      return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
    },
  };
  return { admin, calls: () => calls };
}

describe('waiting for partition leaders', () => {
  it('waits out an unknown topic and leaderless partitions, and returns once every partition of every topic is led', async () => {
    const { admin, calls } = scriptedAdmin([
      new Error('This server does not host this topic-partition'),
      { topics: [topic('a', [1, -1])] },
      { topics: [topic('a', [1, 1])] },
      { topics: [topic('a', [1, 1]), topic('b', [1])] },
    ]);
    await waitForLeaders(admin, ['a', 'b'], 5_000, 1);
    expect(calls()).toBe(4);
  });

  it('fails after the timeout, naming the topics, with the last failure as the cause', async () => {
    const unknown = new Error('This server does not host this topic-partition');
    const { admin } = scriptedAdmin([{ topics: [topic('a', [-1])] }, unknown]);
    const waiting = waitForLeaders(admin, ['a'], 30, 1);
    await expect(waiting).rejects.toThrow('topics a still lack partition leaders after 30 ms');
    await expect(waiting).rejects.toHaveProperty('cause', unknown);
  });
});
