import type { Admin } from 'kafkajs';

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
