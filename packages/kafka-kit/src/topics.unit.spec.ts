import type { Admin } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { createTopics, waitForLeaders } from './topics.js';

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

describe('creating topics', () => {
  it('creates only the topics that do not exist, with their settings, then waits for leaders of all', async () => {
    const created: unknown[] = [];
    const admin = {
      listTopics: () => Promise.resolve(['old']),
      createTopics: (request: unknown) => {
        created.push(request);
        return Promise.resolve(true);
      },
      fetchTopicMetadata: () =>
        Promise.resolve({ topics: [topic('old', [1]), topic('new', [1, 1])] }),
    } as unknown as Admin;
    await createTopics(
      admin,
      [
        { name: 'old', partitions: 1 },
        { name: 'new', partitions: 2, configs: { 'cleanup.policy': 'compact' } },
      ],
      1_000,
    );
    expect(created).toEqual([
      {
        topics: [
          {
            topic: 'new',
            numPartitions: 2,
            replicationFactor: 1,
            configEntries: [{ name: 'cleanup.policy', value: 'compact' }],
          },
        ],
        waitForLeaders: false,
        timeout: 1_000,
      },
    ]);
  });
});
