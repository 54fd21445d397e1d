import { randomUUID } from 'node:crypto';
import { ensureKafka } from '@fairflax/kafka-broker';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { createTopics } from '@fairflax/kafka-kit';

/**
 * The real broker for integration tests: infra/kafka's ensureKafka() starts it unless one
 * already answers (or KAFKA_BROKERS names a cluster). An unreachable broker fails the suite;
 * it is never skipped.
 */
export async function connectTestKafka(): Promise<{
  brokers: string[];
  kafka: Kafka;
  admin: Admin;
}> {
  const { brokers } = await ensureKafka();
  const kafka = new Kafka({
    clientId: 'kafka-streams-tests',
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3_000,
    retry: { retries: 3 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.listTopics();
  } catch (err) {
    throw new Error(
      `Kafka is not reachable on ${brokers.join(',')}: start it with "bash infra/kafka/kafka.sh start" (${String(err)})`,
    );
  }
  return { brokers, kafka, admin };
}

/** A name no other test run uses, so parallel and repeated runs never share topics or groups. */
export const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

export function createTopic(admin: Admin, topic: string, partitions: number): Promise<void> {
  return createTopics(admin, [{ name: topic, partitions }], 30_000);
}

/** Deletes what a test created; best effort, so a cleanup problem never hides the test's own result. */
export async function deleteTestTopics(admin: Admin, prefix: string): Promise<void> {
  const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
  if (topics.length > 0) await admin.deleteTopics({ topics }).catch(() => undefined);
  const { groups } = await admin.listGroups();
  const ids = groups.map((g) => g.groupId).filter((g) => g.startsWith(prefix));
  if (ids.length > 0) await admin.deleteGroups(ids).catch(() => undefined);
}

/**
 * Polls until `check` returns true, failing with `what` after `timeoutMs`; `context`, when given,
 * is appended to the failure (say, the instances' recent log lines).
 */
export async function eventually(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = 30_000,
  context?: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}${last instanceof Error ? ` (last error: ${last.message})` : ''}${context ? `\n${context()}` : ''}`,
  );
}

export interface LogEntry {
  level: string;
  message: string;
  details: Record<string, unknown>;
}

/** The last `n` entries of a recorded log, one line each, for a failure message. */
export function tailOf(name: string, entries: readonly LogEntry[], n = 40): string {
  const lines = entries
    .slice(-n)
    .map((e) => `  ${e.level} ${e.message} ${JSON.stringify(e.details, errorFields)}`);
  return `${name}'s last ${lines.length} log lines:\n${lines.join('\n')}`;
}

const errorFields = (_key: string, value: unknown) =>
  value instanceof Error ? { name: value.name, message: value.message } : value;

/** A StreamLogger that keeps what it is told, for assertions on restores and assignments. */
export function recordingLogger(entries: LogEntry[]) {
  const at = (level: string) => (details: object, message: string) =>
    void entries.push({ level, message, details: details as Record<string, unknown> });
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
