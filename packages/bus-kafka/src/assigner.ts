import { AssignerProtocol, type PartitionAssigner } from 'kafkajs';

/**
 * Round-robin partition assignment that respects what each member subscribed to.
 *
 * On this bus a group may have members on different topics (busEventSource subscribes once per
 * topic under one group). kafkajs' own RoundRobinAssigner deals the leader's topics out to every
 * member, subscribed or not, and a member ignores partitions of topics it did not subscribe to,
 * so those partitions are never consumed (kafkajs issues #1040, #1679). Here each topic's
 * partitions go only to the members subscribed to it, and the leader loads metadata for every
 * member's topics, not just its own.
 */
export const SubscriptionAwareRoundRobin: PartitionAssigner = ({ cluster }) => ({
  name: 'FairflaxSubscriptionRoundRobin',
  version: 0,

  async assign({ members, topics: leaderTopics }) {
    const subscribed = new Map<string, string[]>();
    for (const { memberId, memberMetadata } of members) {
      const metadata = AssignerProtocol.MemberMetadata.decode(memberMetadata);
      subscribed.set(memberId, metadata?.topics ?? leaderTopics);
    }
    const topics = [...new Set([...subscribed.values()].flat())].sort();
    await cluster.addMultipleTargetTopics(topics);

    const assignment = new Map<string, Record<string, number[]>>();
    let turn = 0;
    for (const topic of topics) {
      const takers = members
        .map(({ memberId }) => memberId)
        .filter((memberId) => subscribed.get(memberId)?.includes(topic))
        .sort();
      const partitions = cluster
        .findTopicPartitionMetadata(topic)
        .map((p) => p.partitionId)
        .sort((a, b) => a - b);
      for (const partition of partitions) {
        const memberId = takers[turn++ % takers.length];
        if (memberId === undefined) continue;
        const ofMember = assignment.get(memberId) ?? {};
        (ofMember[topic] ??= []).push(partition);
        assignment.set(memberId, ofMember);
      }
    }
    return [...assignment].map(([memberId, ofMember]) => ({
      memberId,
      memberAssignment: AssignerProtocol.MemberAssignment.encode({
        version: 0,
        assignment: ofMember,
        userData: Buffer.alloc(0),
      }),
    }));
  },

  protocol({ topics }) {
    return {
      name: 'FairflaxSubscriptionRoundRobin',
      metadata: AssignerProtocol.MemberMetadata.encode({
        version: 0,
        topics,
        userData: Buffer.alloc(0),
      }),
    };
  },
});
