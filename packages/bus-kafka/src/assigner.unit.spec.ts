import { AssignerProtocol, type Cluster, type Logger } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { SubscriptionAwareRoundRobin } from './assigner.js';

const partitionCounts: Record<string, number> = { author: 3, article: 3, other: 2 };
const cluster = {
  addMultipleTargetTopics: () => Promise.resolve(),
  findTopicPartitionMetadata: (topic: string) =>
    Array.from({ length: partitionCounts[topic] ?? 0 }, (_, partitionId) => ({ partitionId })),
} as unknown as Cluster;
const assigner = SubscriptionAwareRoundRobin({ cluster, groupId: 'g', logger: {} as Logger });

const member = (memberId: string, topics: string[]) => ({
  memberId,
  memberMetadata: assigner.protocol({ topics }).metadata,
});

async function assign(members: ReturnType<typeof member>[], leaderTopics: string[]) {
  const result = await assigner.assign({ members, topics: leaderTopics });
  return Object.fromEntries(
    result.map(({ memberId, memberAssignment }) => [
      memberId,
      AssignerProtocol.MemberAssignment.decode(memberAssignment)?.assignment,
    ]),
  );
}

describe('SubscriptionAwareRoundRobin', () => {
  it('gives each topic only to the members subscribed to it, whatever the leader subscribed to', async () => {
    // As busEventSource does: one member per topic, all in one group; the leader reads `author`.
    expect(
      await assign([member('m-author', ['author']), member('m-article', ['article'])], ['author']),
    ).toEqual({
      'm-author': { author: [0, 1, 2] },
      'm-article': { article: [0, 1, 2] },
    });
  });

  it('deals a shared topic out round-robin among its subscribers, covering every partition once', async () => {
    const assignment = await assign(
      [member('b', ['author', 'other']), member('a', ['author']), member('c', ['article'])],
      ['author'],
    );
    expect(assignment['c']).toEqual({ article: [0, 1, 2] });
    const author = [
      ...(assignment['a']?.['author'] ?? []),
      ...(assignment['b']?.['author'] ?? []),
    ].sort();
    expect(author).toEqual([0, 1, 2]);
    expect(assignment['a']?.['author']?.length).toBeGreaterThan(0);
    expect(assignment['b']?.['author']?.length).toBeGreaterThan(0);
    expect(assignment['b']?.['other']).toEqual([0, 1]);
    expect(assignment['a']?.['other']).toBeUndefined();
  });
});
