import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StoredEvent } from '@fairflax/event-store';
import { openSqliteEventStore } from '@fairflax/event-store-sqlite';
import { driveCommands } from './driver.js';
import { FaultInjector, planFaults } from './faults.js';
import { MachineLoad } from './load.js';
import { deleteRunArtifacts, kafkaClient, readTopics, startCrashBroker } from './kafka.js';
import { quiesce } from './quiesce.js';
import { assess } from './report.js';
import { CrashSystem, PUBLIC_URL } from './system.js';
import { runTopology } from './topology.js';
import {
  READ_SERVICES,
  type CrashOptions,
  type CrashReport,
  type ReadModelCheck,
} from './types.js';
import { checkAcknowledged, checkLog } from './verify-log.js';
import { foldInOtherOrders } from './order-probe.js';
import { articleVersions, rebuildReadModel } from './rebuild.js';
import { compareReadModel, READ_MODELS } from './verify-read-models.js';
import { checkStats } from './verify-stats.js';
import { planCommands } from './workload.js';

const QUIESCE_TIMEOUT_MS = 180_000;

async function readStore(path: string): Promise<StoredEvent[]> {
  const store = openSqliteEventStore(path);
  try {
    const events: StoredEvent[] = [];
    for (;;) {
      const batch = await store.readAll(events.at(-1)?.globalPosition ?? 0, 5_000);
      if (batch.length === 0) return events;
      events.push(...batch);
    }
  } finally {
    await store.close();
  }
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

/** Counts every discrepancy in the report; throws only when the run itself cannot complete. */
export async function runCrashTest(options: CrashOptions): Promise<CrashReport> {
  const { seed, commands, concurrency, delivery } = options;
  const load = options.load ?? 0;
  const processorKills = options.processorKills ?? 0;
  const commitKills = options.commitKills ?? 0;
  if (!Number.isSafeInteger(seed) || seed < 0)
    throw new Error(`seed must be a non-negative integer, got ${seed}`);
  if (!Number.isSafeInteger(commands) || commands < 20)
    throw new Error(`commands must be an integer of at least 20, got ${commands}`);
  if (!Number.isSafeInteger(concurrency) || concurrency < 1)
    throw new Error(`concurrency must be a positive integer, got ${concurrency}`);
  if (!Number.isSafeInteger(processorKills) || processorKills < 0)
    throw new Error(`processorKills must be a non-negative integer, got ${processorKills}`);
  if (!Number.isSafeInteger(commitKills) || commitKills < 0)
    throw new Error(`commitKills must be a non-negative integer, got ${commitKills}`);
  const log = options.log ?? (() => undefined);
  const started = Date.now();
  const brokers = await startCrashBroker();
  const runTag = `crash${seed}x${randomUUID().slice(0, 6)}`;
  const topicPrefix = `${runTag}-`;
  const topology = runTopology(topicPrefix);
  const rootDir = mkdtempSync(join(tmpdir(), `fairflax-crash-${seed}-`));
  const kafka = kafkaClient(brokers);
  const plan = planCommands(seed, commands);
  const faults = planFaults(seed, commands, { processorKills, commitKills });
  const machineLoad = MachineLoad.start(load);
  log(
    `seed ${seed}: ${commands} commands (${delivery}, ${concurrency} in flight${load > 0 ? `, ${load} busy loops beside` : ''}), topics ${topicPrefix}*, data ${rootDir}`,
  );
  log(
    `faults planned: ${faults.map((f) => `${f.target === 'broker' ? 'broker restart' : `SIGKILL ${f.target}${f.inCommit ? ' in its commit window' : ''}`} after ${f.atCommand}`).join(', ')}`,
  );

  let system: CrashSystem | undefined;
  let keep = options.keepData === true;
  const injector = new FaultInjector(
    (fault) => system!.crashAndRestart(fault.target, fault.inCommit ? 'in-commit' : 'sigkill'),
    faults,
    log,
  );
  try {
    system = await CrashSystem.start({
      rootDir,
      brokers,
      topicPrefix,
      runTag,
      delivery,
      // tsx compiles a service on every start, slower on a busy machine.
      readyTimeoutMs: 60_000 * (1 + Math.min(load, 2)),
      onUnplannedExit: (service, code, downMs, lastOutput) =>
        injector.unplannedExit(service, code, downMs, lastOutput),
    });
    const driveStarted = Date.now();
    const startMs = driveStarted - started;
    injector.begin();
    const quarter = Math.ceil(commands / 4);
    const drive = await driveCommands(plan, {
      address: system.articlesAddress,
      concurrency,
      hold: injector.hold,
      onProgress: (done) => {
        injector.onProgress(done);
        if (done % quarter === 0 || done === commands)
          log(`[+${seconds(Date.now() - driveStarted)}] ${done}/${commands} commands done`);
      },
    });
    await injector.settled();
    await system.settled();
    const driveMs = Date.now() - driveStarted;

    const settled = await quiesce(system, kafka, topology, QUIESCE_TIMEOUT_MS);
    log(
      `[+${seconds(Date.now() - driveStarted)}] quiet: every service caught up with position ${settled.head} in ${seconds(settled.ms)} (${settled.steps.join(', ')})`,
    );
    const shutdown = await system.stopAll();

    const verifyStarted = Date.now();
    const events = await readStore(system.eventStorePath);
    const logRecords = await readTopics(kafka, [topology.author, topology.article]);
    const logCheck = checkLog(events, logRecords, topology);
    const acknowledged = checkAcknowledged(events, drive.acknowledged);
    const versions = articleVersions(events);
    mkdirSync(join(rootDir, 'rebuilt'), { recursive: true });
    const readModels: ReadModelCheck[] = READ_SERVICES.map((name) => {
      const rebuiltPath = join(rootDir, 'rebuilt', `${name}.sqlite`);
      const projection = READ_MODELS[name].projection(PUBLIC_URL);
      rebuildReadModel(rebuiltPath, projection, events);
      const alternatives = foldInOtherOrders(name, projection, events, join(rootDir, 'rebuilt'));
      return compareReadModel(
        name,
        system!.readModelPath(name),
        rebuiltPath,
        alternatives,
        versions,
      );
    });
    const stats = checkStats(
      topology.stats,
      events,
      await readTopics(kafka, [topology.stats]),
      system.readModelPath('graph'),
      await readTopics(kafka, [topology.repartition]),
    );
    const verifyMs = Date.now() - verifyStarted;

    const report: Omit<CrashReport, 'discrepancies' | 'findings'> = {
      seed,
      commands,
      concurrency,
      delivery,
      load,
      processorKills,
      commitKills,
      topicPrefix,
      durationMs: Date.now() - started,
      phases: { startMs, driveMs, quiesceMs: settled.ms, verifyMs },
      headPosition: settled.head,
      commandStats: {
        ...drive.stats,
        lost: acknowledged.lost,
        samples: [...drive.stats.samples, ...acknowledged.samples],
      },
      faults: [...injector.timeline].sort((a, b) => a.atMs - b.atMs),
      log: logCheck,
      readModels,
      stats,
      shutdown,
    };
    const assessed = assess(report);
    return { ...report, ...assessed, ...(keep && { dataDir: rootDir }) };
  } catch (err) {
    keep = true;
    const message = err instanceof Error ? err.message : String(err);
    throw new Error(
      `crash test seed ${seed} failed: ${message}\n(data kept in ${rootDir}, topics ${topicPrefix}*)`,
      { cause: err },
    );
  } finally {
    // Nothing of this seed may run on into the next: no process, no restart, no fault.
    await system?.killAll();
    await injector.stop();
    await machineLoad.stop();
    if (!keep) {
      rmSync(rootDir, { recursive: true, force: true });
      await deleteRunArtifacts(kafka, topicPrefix, runTag).catch((err: Error) =>
        log(`could not delete the run's topics: ${err.message}`),
      );
    }
  }
}
