import type { Admin } from 'kafkajs';

/**
 * Waits until every partition of `topics` has a leader. Right after a topic is created, above
 * all on a broker that has just started, the metadata names no leader for a while, or answers
 * UNKNOWN_TOPIC_OR_PARTITION: both are waited out. Whatever still stands after `timeoutMs` is an
 * error, with the last failure as its cause.
 */
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
