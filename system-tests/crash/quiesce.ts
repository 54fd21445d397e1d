import Database from '@fairflax/sqlite';
import type { Kafka } from 'kafkajs';
import { waitFor } from '@fairflax/testkit';
import { committedOffsets, readTopics, withAdmin, type LogRecord } from './kafka.js';
import type { CrashSystem } from './system.js';
import { graphStatsGroup, RELAY_CHECKPOINT, type RunTopology } from './topology.js';
import { READ_SERVICES } from './types.js';

/** Runs `query` on a read-only connection: the file belongs to a process that may be running. */
function readOnly<T>(path: string, query: (db: Database.Database) => T): T {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    return query(db);
  } finally {
    db.close();
  }
}

export const storeHead = (path: string): number =>
  readOnly(
    path,
    (db) =>
      db
        .prepare<[], number>('SELECT coalesce(max(global_position), 0) FROM events')
        .pluck()
        .get() ?? 0,
  );

const relayPosition = (path: string): number =>
  readOnly(
    path,
    (db) =>
      db
        .prepare<[string], number>('SELECT position FROM relay_checkpoints WHERE name = ?')
        .pluck()
        .get(RELAY_CHECKPOINT) ?? 0,
  );

/** A read model's applied position per source (`topic/partition`), from its checkpoint table. */
const appliedPositions = (path: string): Map<string, number> =>
  new Map(
    readOnly(path, (db) =>
      db
        .prepare<[], { source: string; position: number }>(
          'SELECT source, position FROM projection_checkpoints',
        )
        .all(),
    ).map((row) => [row.source, row.position]),
  );

function lastPositionPerSource(records: readonly LogRecord[]): Map<string, number> {
  const last = new Map<string, number>();
  for (const r of records) {
    const source = `${r.topic}/${r.partition}`;
    last.set(source, Math.max(last.get(source) ?? 0, Number(r.headers['global-position'] ?? 0)));
  }
  return last;
}

function endOfData(records: readonly LogRecord[], topic: string): Map<number, number> {
  const end = new Map<number, number>();
  for (const r of records)
    if (r.topic === topic) end.set(r.partition, Math.max(end.get(r.partition) ?? 0, r.offset + 1));
  return end;
}

const covers = (committed: Map<number, number>, end: Map<number, number>) =>
  [...end].every(([partition, offset]) => (committed.get(partition) ?? -1) >= offset);

const describe = (m: Map<string | number, number>) => [...m].map(([k, v]) => `${k}=${v}`).join(' ');

export interface QuiesceResult {
  head: number;
  ms: number;
  steps: string[];
}

/**
 * Waits until relay, read services (every partition, not just /healthz's newest event), stream
 * processor (twice with stats unchanged) and graph's stats follower have all caught up.
 */
export async function quiesce(
  system: CrashSystem,
  kafka: Kafka,
  topology: RunTopology,
  timeoutMs: number,
): Promise<QuiesceResult> {
  const started = Date.now();
  const deadline = started + timeoutMs;
  const steps: string[] = [];
  const until = async <T>(
    what: string,
    check: () => Promise<T | false>,
    detail: () => Promise<string> | string,
  ) => {
    const stepStarted = Date.now();
    try {
      const result = await waitFor(what, check, Math.max(deadline - Date.now(), 1_000), 250);
      steps.push(`${what} ${((Date.now() - stepStarted) / 1000).toFixed(1)}s`);
      return result;
    } catch (err) {
      const state = await Promise.resolve(detail()).catch(
        (e: Error) => `(state unavailable: ${e.message})`,
      );
      throw new Error(`quiescing: ${(err as Error).message}\nstate: ${state}\n${system.logs()}`);
    }
  };

  const head = storeHead(system.eventStorePath);
  await until(
    `the relay to publish position ${head}`,
    () => Promise.resolve(relayPosition(system.eventStorePath) >= head),
    () => `relay checkpoint ${relayPosition(system.eventStorePath)}, head ${head}`,
  );
  const log = await readTopics(kafka, [topology.author, topology.article]);
  const expected = lastPositionPerSource(log);

  for (const name of READ_SERVICES) {
    const path = system.readModelPath(name);
    const healthz = async () => {
      const res = await fetch(`http://127.0.0.1:${system.ports[name]}/healthz`);
      return ((await res.json()) as { position: number }).position;
    };
    await until(
      `${name} to apply every partition of the log`,
      async () => {
        if ((await healthz()) < head) return false;
        const applied = appliedPositions(path);
        return [...expected].every(([source, position]) => (applied.get(source) ?? 0) >= position);
      },
      async () =>
        `healthz ${await healthz().catch(() => '?')}, head ${head}; applied ${describe(appliedPositions(path))}; log ends ${describe(expected)}`,
    );
  }

  const articleEnds = endOfData(log, topology.article);
  let previous = '';
  let lastState = '';
  await until(
    'the stream processor to commit everything it was given',
    () =>
      withAdmin(kafka, async (admin) => {
        const facts = await committedOffsets(admin, topology.factsGroup, topology.article);
        const repartitioned = await readTopics(kafka, [topology.repartition]);
        const repartitionEnds = endOfData(repartitioned, topology.repartition);
        const counts = await committedOffsets(admin, topology.countsGroup, topology.repartition);
        const stats = (await admin.fetchTopicOffsets(topology.stats).catch(() => []))
          .map((p) => `${p.partition}:${p.high}`)
          .join(',');
        lastState = `article-facts committed ${describe(facts)} of ${describe(articleEnds)}; publication-counts committed ${describe(counts)} of ${describe(repartitionEnds)}; stats ends ${stats}`;
        const caughtUp = covers(facts, articleEnds) && covers(counts, repartitionEnds);
        const stable = caughtUp && previous === lastState;
        previous = caughtUp ? lastState : '';
        if (caughtUp && !stable) await new Promise((resolve) => setTimeout(resolve, 1_000));
        return stable;
      }),
    () => lastState,
  );

  const statsGroup = graphStatsGroup(system.options.runTag);
  let statsState = '';
  await until(
    "graph's stats follower to apply the whole stats topic",
    () =>
      withAdmin(kafka, async (admin) => {
        const statsEnds = endOfData(await readTopics(kafka, [topology.stats]), topology.stats);
        const applied = await committedOffsets(admin, statsGroup, topology.stats);
        statsState = `${statsGroup} committed ${describe(applied)} of ${describe(statsEnds)}`;
        return covers(applied, statsEnds);
      }),
    () => statsState,
  );
  return { head, ms: Date.now() - started, steps };
}
