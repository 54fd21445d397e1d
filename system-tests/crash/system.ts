import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Crashed } from './faults.js';
import { freePort, startService, waitFor, type RunningService } from '@fairflax/testkit';
import {
  COMMIT_WINDOW_LINE,
  READ_SERVICES,
  type DeliveryMode,
  type ServiceName,
  type ShutdownRecord,
} from './types.js';

/** Loaded into every stream processor: a kill can then be aimed at its commit window. */
const COMMIT_WINDOW_PRELOAD = fileURLToPath(new URL('./commit-window.ts', import.meta.url));
export const SERVICES_DIR = fileURLToPath(new URL('../../services', import.meta.url));
export const PUBLIC_URL = 'https://news.fairflax.example';
const ALL: readonly ServiceName[] = ['articles', ...READ_SERVICES, 'stream-processor'];

export interface CrashSystemOptions {
  rootDir: string;
  brokers: string[];
  topicPrefix: string;
  /** Unique per run: replica ids (and so the read services' consumer groups) carry it. */
  runTag: string;
  delivery: DeliveryMode;
  startProcess?: typeof startService;
  readyTimeoutMs?: number;
  onUnplannedExit?: (
    service: ServiceName,
    code: number | null,
    downMs: number,
    lastOutput: string,
  ) => void;
}

/**
 * The five services as real processes, restartable on the same ports and data; restarts a process
 * that exits on its own. Every spawned process is tracked until it exits, and after `killAll` or
 * `stopAll` nothing is (re)started, so no process of this system outlives it.
 */
export class CrashSystem {
  private readonly processes = new Map<ServiceName, RunningService>();
  private readonly children = new Set<RunningService>();
  private readonly expectedExit = new Set<RunningService>();
  private readonly stopped = new AbortController();
  private readonly restarting = new Map<ServiceName, Promise<number>>();
  private readonly startProcess: typeof startService;

  private constructor(
    readonly options: CrashSystemOptions,
    readonly ports: Record<
      'articles' | 'articlesMetrics' | 'graph' | 'rss' | 'sitemap' | 'streamProcessorMetrics',
      number
    >,
  ) {
    this.startProcess = options.startProcess ?? startService;
  }

  private get stopping(): boolean {
    return this.stopped.signal.aborted;
  }

  get runningProcesses(): number {
    return [...this.children].filter((c) => c.running).length;
  }

  static async start(options: CrashSystemOptions): Promise<CrashSystem> {
    const ports = {
      articles: await freePort(),
      articlesMetrics: await freePort(),
      graph: await freePort(),
      rss: await freePort(),
      sitemap: await freePort(),
      streamProcessorMetrics: await freePort(),
    };
    const system = new CrashSystem(options, ports);
    for (const name of ALL) mkdirSync(system.dataDir(name), { recursive: true });
    try {
      await system.launch('articles');
      await Promise.all(
        [...READ_SERVICES, 'stream-processor' as const].map((name) => system.launch(name)),
      );
    } catch (err) {
      await system.killAll();
      throw err;
    }
    return system;
  }

  dataDir(name: ServiceName): string {
    return join(this.options.rootDir, name);
  }

  get articlesAddress(): string {
    return `127.0.0.1:${this.ports.articles}`;
  }

  get eventStorePath(): string {
    return join(this.dataDir('articles'), 'articles-events.sqlite');
  }

  readModelPath(name: (typeof READ_SERVICES)[number]): string {
    return join(this.dataDir(name), `${name}.sqlite`);
  }

  private env(name: ServiceName): Record<string, string> {
    const { brokers, topicPrefix, delivery, runTag } = this.options;
    const common = {
      TRANSPORT: 'kafka',
      KAFKA_BROKERS: brokers.join(','),
      KAFKA_TOPIC_PREFIX: topicPrefix,
      KAFKA_DELIVERY: delivery,
      DATA_DIR: this.dataDir(name),
      ARTICLES_ADDRESS: this.articlesAddress,
      PUBLIC_URL,
      LOG_LEVEL: 'warn',
    };
    switch (name) {
      case 'articles':
        return {
          ...common,
          ARTICLES_PORT: String(this.ports.articles),
          ARTICLES_METRICS_PORT: String(this.ports.articlesMetrics),
          // Only the workload's events in the store: its counts are then exactly the plan's.
          ARTICLES_SEED: 'false',
        };
      case 'graph':
      case 'rss':
      case 'sitemap':
        return {
          ...common,
          [`${name.toUpperCase()}_PORT`]: String(this.ports[name]),
          REPLICA_ID: runTag,
        };
      case 'stream-processor':
        return {
          ...common,
          STATE_DIR: join(this.dataDir(name), 'state'),
          INSTANCE_ID: 'crash',
          STREAM_PROCESSOR_METRICS_PORT: String(this.ports.streamProcessorMetrics),
          // A killed member's partitions wait this long before they move to its restart.
          KAFKA_SESSION_TIMEOUT_MS: '6000',
          KAFKA_HEARTBEAT_INTERVAL_MS: '1000',
          // Readiness is a log line logged at info.
          LOG_LEVEL: 'info',
        };
      default: {
        const unknown: never = name;
        throw new Error(`unknown service ${String(unknown)}`);
      }
    }
  }

  private async launch(name: ServiceName): Promise<RunningService> {
    if (this.stopping) throw new Error(`not starting ${name}: the system is stopping`);
    const readyPort = name === 'stream-processor' ? undefined : this.ports[name];
    const timeoutMs = this.options.readyTimeoutMs ?? 60_000;
    let spawned: RunningService | undefined;
    try {
      const service = await this.startProcess(
        {
          name,
          dir: join(SERVICES_DIR, name),
          env: this.env(name),
          ...(name === 'stream-processor' && { imports: [COMMIT_WINDOW_PRELOAD] }),
          ...(readyPort !== undefined && { readyPort }),
          onSpawn: (child) => {
            spawned = child;
            this.children.add(child);
            void child.exited.then(() => this.children.delete(child));
          },
        },
        timeoutMs,
      );
      if (name === 'stream-processor') {
        await waitFor(
          'the stream processor to start',
          () => {
            if (!service.running)
              throw new Error(`stream-processor exited with ${service.child.exitCode}`);
            return service.logs.includes('"stream processor running"');
          },
          timeoutMs,
          100,
        ).catch((err: Error) => {
          throw new Error(`${err.message}\n--- stream-processor output ---\n${tail(service.logs)}`);
        });
      }
      if (this.stopping) throw new Error(`${name} started while the system was stopping`);
      this.processes.set(name, service);
      void service.exited.then((code) => this.exited(name, service, code));
      return service;
    } catch (err) {
      // A given-up start must die: it would keep the state directory locked and outlive the run.
      if (spawned) {
        this.expectedExit.add(spawned);
        await spawned.kill();
      }
      throw err;
    }
  }

  private exited(name: ServiceName, service: RunningService, code: number | null): void {
    if (this.expectedExit.has(service) || this.stopping || this.processes.get(name) !== service)
      return;
    const started = Date.now();
    const lastOutput = tail(service.logs, 4);
    const restart = this.relaunch(name).then((downMs) => {
      if (!this.stopping)
        this.options.onUnplannedExit?.(name, code, Date.now() - started, lastOutput);
      return downMs;
    });
    // Reported by settled(), not as an unhandled rejection that would end the harness.
    restart.catch(() => undefined);
    this.restarting.set(name, restart);
  }

  /** Retries while the service fails to come up: the broker may be restarting. */
  private async relaunch(name: ServiceName): Promise<number> {
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      if (this.stopping) return Date.now() - started;
      try {
        await this.launch(name);
        return Date.now() - started;
      } catch (err) {
        if (attempt >= 5 || this.stopping) throw err;
        await pause(1_000 * attempt, this.stopped.signal);
      }
    }
  }

  service(name: ServiceName): RunningService {
    const service = this.processes.get(name);
    if (!service) throw new Error(`${name} was never started`);
    return service;
  }

  /** `in-commit`: the stream processor dies between produce and commit (SIGKILL after 10 s). */
  async crashAndRestart(
    name: ServiceName,
    how: 'sigkill' | 'in-commit' = 'sigkill',
  ): Promise<Crashed> {
    await this.restarting.get(name);
    const started = Date.now();
    const service = this.service(name);
    this.expectedExit.add(service);
    let detail: string | undefined;
    if (how === 'in-commit') {
      if (name !== 'stream-processor') throw new Error(`${name} has no commit window to kill in`);
      service.child.kill('SIGUSR2');
      const timer = setTimeout(() => void service.kill(), 10_000);
      await service.exited;
      clearTimeout(timer);
      const line = service.logs.split('\n').find((l) => l.startsWith(COMMIT_WINDOW_LINE));
      detail =
        line?.slice(COMMIT_WINDOW_LINE.length).trim() ?? 'not in a commit: killed after 10 s';
    } else {
      await service.kill();
    }
    await this.relaunch(name);
    return { downMs: Date.now() - started, ...(detail !== undefined && { detail }) };
  }

  async settled(): Promise<void> {
    await Promise.all(this.restarting.values());
  }

  /** Graceful stop in the order a deployment would drain, then kills any start under way. */
  async stopAll(): Promise<ShutdownRecord[]> {
    this.stopped.abort();
    const order: ServiceName[][] = [['stream-processor', ...READ_SERVICES], ['articles']];
    const results = [];
    for (const group of order) {
      results.push(
        ...(await Promise.all(
          group.map(async (name) => {
            const service = this.service(name);
            this.expectedExit.add(service);
            const started = Date.now();
            const exitCode = await service.stop(15_000);
            const record: ShutdownRecord = {
              service: name,
              exitCode,
              signal: service.child.signalCode,
              ms: Date.now() - started,
            };
            if (exitCode !== 0) record.logTail = tail(service.logs, 15);
            return record;
          }),
        )),
      );
    }
    await this.killAll();
    return results;
  }

  /** Nothing is started after it returns. */
  async killAll(): Promise<void> {
    this.stopped.abort();
    const killEverything = () =>
      Promise.all([...this.children].map((s) => (this.expectedExit.add(s), s.kill())));
    await killEverything();
    await Promise.allSettled([...this.restarting.values()]);
    await killEverything();
  }

  logs(lines = 30): string {
    return [...this.processes]
      .map(
        ([name, service]) =>
          `--- ${name} (${service.running ? 'running' : `exited ${service.child.exitCode ?? service.child.signalCode}`}) ---\n${tail(service.logs, lines)}`,
      )
      .join('\n');
  }
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

function tail(text: string, lines = 30): string {
  return text.split('\n').slice(-lines).join('\n');
}
