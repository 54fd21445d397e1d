import type { Admin } from 'kafkajs';

export interface NewTopic {
  name: string;
  partitions: number;
  /** Topic settings such as `{ 'cleanup.policy': 'compact' }`. */
  configs?: Readonly<Record<string, string>>;
}

/**
 * Creates the topics that do not exist yet, with replication factor 1, and waits until every
 * partition of every one of them has a leader. Safe to race: a topic someone else created
 * first is left as it is.
 */
export async function createTopics(
  admin: Admin,
  topics: readonly NewTopic[],
  timeoutMs = 15_000,
): Promise<void> {
  if (topics.length === 0) return;
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((topic) => !existing.has(topic.name));
  if (missing.length > 0) {
    await admin.createTopics({
      topics: missing.map((topic) => ({
        topic: topic.name,
        numPartitions: topic.partitions,
        replicationFactor: 1,
        configEntries: Object.entries(topic.configs ?? {}).map(([name, value]) => ({
          name,
          value,
        })),
      })),
      // kafkajs' own wait gives up while the metadata does not know the topic yet; ours waits.
      waitForLeaders: false,
      timeout: timeoutMs,
    });
  }
  await waitForLeaders(
    admin,
    topics.map((topic) => topic.name),
    timeoutMs,
  );
}

/** A new topic (on a fresh broker above all) has no leader, or is unknown, for a while. */
export async function waitForLeaders(
  admin: Pick<Admin, 'fetchTopicMetadata'>,
  topics: readonly string[],
  timeoutMs: number,
  pollMs = 100,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const metadata = await admin.fetchTopicMetadata({ topics: [...topics] });
      const led =
        metadata.topics.length === topics.length &&
        metadata.topics.every(
          (t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0),
        );
      if (led) return;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline)
      throw new Error(
        `topics ${topics.join(', ')} still lack partition leaders after ${timeoutMs} ms`,
        { cause: lastError },
      );
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
