import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { canConnect, waitFor } from './ports.js';

const require = createRequire(import.meta.url);
const tsxLoader = require.resolve('tsx');

export interface ServiceSpec {
  name: string;
  dir: string;
  /** Relative to `dir`; `src/main.ts` by default. */
  entry?: string;
  env?: Record<string, string>;
  /** Preloaded after the TypeScript loader, such as a fault injector. */
  imports?: readonly string[];
  /** Started once this loopback port accepts connections. */
  readyPort?: number;
  /** Before it is ready, so a supervisor can kill even a start it gave up on. */
  onSpawn?: (service: RunningService) => void;
}

/** Workspace packages resolve to their `src/` through the "source" export condition. */
export function tsNodeArgs(entry: string, imports: readonly string[] = []): string[] {
  return [
    '--conditions=source',
    '--import',
    tsxLoader,
    ...imports.flatMap((module) => ['--import', module]),
    '--enable-source-maps',
    entry,
  ];
}

export class RunningService {
  private readonly lines: string[] = [];
  readonly exited: Promise<number | null>;

  constructor(
    readonly spec: ServiceSpec,
    readonly child: ChildProcess,
  ) {
    const collect = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) if (line) this.lines.push(line);
      if (this.lines.length > 2000) this.lines.splice(0, this.lines.length - 2000);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  get logs(): string {
    return this.lines.join('\n');
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGTERM, then SIGKILL after `timeoutMs`. */
  async stop(timeoutMs = 10_000): Promise<number | null> {
    if (!this.running) return this.child.exitCode;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  async kill(): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }
}

export async function startService(spec: ServiceSpec, timeoutMs = 30_000): Promise<RunningService> {
  const child = spawn(process.execPath, tsNodeArgs(spec.entry ?? 'src/main.ts', spec.imports), {
    cwd: spec.dir,
    env: { ...process.env, LOG_LEVEL: process.env['LOG_LEVEL'] ?? 'warn', ...spec.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const service = new RunningService(spec, child);
  spec.onSpawn?.(service);
  if (spec.readyPort !== undefined) {
    const port = spec.readyPort;
    try {
      await waitFor(
        `${spec.name} to listen on ${port}`,
        async () => {
          if (!service.running) {
            throw new Error(`${spec.name} exited with ${child.exitCode}:\n${service.logs}`);
          }
          return canConnect(port);
        },
        timeoutMs,
      );
    } catch (err) {
      await service.kill();
      throw new Error(`${(err as Error).message}\n--- ${spec.name} output ---\n${service.logs}`);
    }
  }
  return service;
}
