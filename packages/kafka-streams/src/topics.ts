import { createTopics } from '@fairflax/kafka-kit';
import kafkajs, { type Admin } from 'kafkajs';

// Not a named export under Node's ESM loader: kafkajs' CommonJS exports defeat its detection.
const { ConfigResourceTypes } = kafkajs;

export interface TopicSpec {
  name: string;
  /** `delete` for streams such as a repartition topic: compaction would drop uncounted records. */
  cleanupPolicy: 'compact' | 'delete';
  partitions: number;
}

export const changelogTopic = (applicationId: string, task: string) =>
  `${applicationId}-${task}-changelog`;

export const repartitionTopic = (applicationId: string, name: string) =>
  `${applicationId}-${name}-repartition`;

export async function partitionCount(admin: Admin, topic: string): Promise<number> {
  const topics = await admin.listTopics();
  if (!topics.includes(topic)) {
    throw new Error(
      `topic "${topic}" does not exist (the broker does not create topics on demand)`,
    );
  }
  const { topics: metadata } = await admin.fetchTopicMetadata({ topics: [topic] });
  return metadata[0]?.partitions.length ?? 0;
}

/** Another partition count or cleanup policy is an error; safe from several instances at once. */
export async function ensureTopics(admin: Admin, specs: readonly TopicSpec[]): Promise<void> {
  if (specs.length === 0) return;
  await createTopics(
    admin,
    specs.map((spec) => ({
      name: spec.name,
      partitions: spec.partitions,
      configs: { 'cleanup.policy': spec.cleanupPolicy },
    })),
  );
  const { topics } = await admin.fetchTopicMetadata({ topics: specs.map((spec) => spec.name) });
  const { resources } = await admin.describeConfigs({
    includeSynonyms: false,
    resources: specs.map((spec) => ({
      type: ConfigResourceTypes.TOPIC,
      name: spec.name,
      configNames: ['cleanup.policy'],
    })),
  });
  for (const spec of specs) {
    const partitions = topics.find((topic) => topic.name === spec.name)?.partitions.length;
    if (partitions !== spec.partitions) {
      throw new Error(
        `topic "${spec.name}" has ${partitions ?? 0} partitions, expected ${spec.partitions}`,
      );
    }
    const policy = resources
      .find((resource) => resource.resourceName === spec.name)
      ?.configEntries.find((entry) => entry.configName === 'cleanup.policy')?.configValue;
    if (policy !== spec.cleanupPolicy) {
      throw new Error(
        `topic "${spec.name}" has cleanup.policy=${policy ?? '?'}, expected ${spec.cleanupPolicy}`,
      );
    }
  }
}

export async function groupLag(admin: Admin, groupId: string, topic: string): Promise<number> {
  const [ends, committed] = await Promise.all([
    admin.fetchTopicOffsets(topic),
    admin.fetchOffsets({ groupId, topics: [topic] }),
  ]);
  const positions = new Map(
    (committed[0]?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]),
  );
  let lag = 0;
  for (const { partition, high, low } of ends) {
    const position = positions.get(partition) ?? -1;
    lag += Number(high) - (position >= 0 ? position : Number(low));
  }
  return lag;
}

/** Input topics are created by their producer (the articles relay), which may start later. */
export async function waitForTopics(
  brokers: readonly string[],
  topics: readonly string[],
  onWaiting: (missing: string[]) => void,
  options: { intervalMs?: number; signal?: AbortSignal } = {},
): Promise<void> {
  const admin = new kafkajs.Kafka({
    brokers: [...brokers],
    clientId: 'wait-for-topics',
    logLevel: kafkajs.logLevel.NOTHING,
  }).admin();
  await admin.connect();
  try {
    for (;;) {
      const existing = new Set(await admin.listTopics());
      const missing = topics.filter((t) => !existing.has(t));
      if (missing.length === 0) return;
      if (options.signal?.aborted)
        throw new Error(`gave up waiting for topics ${missing.join(', ')}`);
      onWaiting(missing);
      await new Promise((r) => setTimeout(r, options.intervalMs ?? 2_000));
    }
  } finally {
    await admin.disconnect();
  }
}
