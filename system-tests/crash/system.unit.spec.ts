import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningService, ServiceSpec } from '@fairflax/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { CrashSystem } from './system.js';

/** How a fake stream processor behaves once spawned. */
type Behaviour = 'ready' | 'never-ready' | 'exits';

/** A process that does nothing, with RunningService's surface. */
class FakeProcess {
  readonly exited: Promise<number | null>;
  exitCode: number | null = null;
  signalCode: NodeJS.Signals | null = null;
  private readonly lines: string[] = [];
  private resolveExit!: (code: number | null) => void;

  constructor(readonly name: string) {
    this.exited = new Promise((resolve) => (this.resolveExit = resolve));
  }

  get child() {
    return this;
  }
  get running() {
    return this.exitCode === null && this.signalCode === null;
  }
  get logs() {
    return this.lines.join('\n');
  }
  say(line: string) {
    this.lines.push(line);
  }
  exit(code: number | null, signal: NodeJS.Signals | null = null) {
    if (!this.running) return;
    this.exitCode = code;
    this.signalCode = signal;
    setImmediate(() => this.resolveExit(code));
  }
  kill() {
    this.exit(null, 'SIGKILL');
    return this.exited.then(() => undefined);
  }
  stop() {
    this.exit(0);
    return this.exited;
  }
}

const roots: string[] = [];
const systems: CrashSystem[] = [];
afterEach(async () => {
  for (const system of systems.splice(0)) await system.killAll();
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

/** A system over fake processes; stream processors behave as `behaviours` says, in turn. */
async function fakeSystem(behaviours: Behaviour[]) {
  const spawned: FakeProcess[] = [];
  const rootDir = mkdtempSync(join(tmpdir(), 'fairflax-crash-system-'));
  roots.push(rootDir);
  const startProcess = (spec: ServiceSpec): Promise<RunningService> => {
    const fake = new FakeProcess(spec.name);
    spawned.push(fake);
    spec.onSpawn?.(fake as unknown as RunningService);
    if (spec.name === 'stream-processor') {
      const behaviour = behaviours.shift() ?? 'ready';
      if (behaviour === 'ready') fake.say('{"msg":"stream processor running"}');
      // A second processor on a directory whose owner lives exits at once.
      if (behaviour === 'exits') fake.exit(1);
    }
    return Promise.resolve(fake as unknown as RunningService);
  };
  const system = await CrashSystem.start({
    rootDir,
    brokers: ['127.0.0.1:1'],
    topicPrefix: 't-',
    runTag: 'test',
    delivery: 'exactly-once',
    startProcess,
    readyTimeoutMs: 300,
  });
  systems.push(system);
  const processors = () => spawned.filter((p) => p.name === 'stream-processor');
  return { system, spawned, processors };
}

describe('the crash system tracks and kills exactly the processes it starts', () => {
  it('kills a stream processor that was not ready in time before it starts the next one', async () => {
    const { system, processors } = await fakeSystem(['ready', 'never-ready', 'ready']);
    await system.crashAndRestart('stream-processor');
    const [first, slow, third] = processors();
    expect(processors()).toHaveLength(3);
    expect(first!.signalCode).toBe('SIGKILL');
    // Were the slow one left running, it would keep the state directory from the third.
    expect(slow!.signalCode).toBe('SIGKILL');
    expect(third!.running).toBe(true);
    expect(system.service('stream-processor')).toBe(third);
  });

  it('leaves no process running after killAll, and starts none afterwards', async () => {
    const { system, spawned, processors } = await fakeSystem([
      'ready',
      'never-ready',
      'never-ready',
    ]);
    // Exits on its own: the system restarts it, and that start is still waiting when we stop.
    processors()[0]!.exit(1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(processors()).toHaveLength(2);
    await system.killAll();
    expect(spawned.filter((p) => p.running).map((p) => p.name)).toEqual([]);
    expect(system.runningProcesses).toBe(0);
    const count = spawned.length;
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(spawned.length).toBe(count);
  });

  it('stops every service, then kills a start still under way', async () => {
    const { system, spawned, processors } = await fakeSystem(['ready', 'never-ready']);
    processors()[0]!.exit(1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const records = await system.stopAll().catch((err: Error) => err);
    expect(spawned.filter((p) => p.running)).toEqual([]);
    expect(records).not.toBeInstanceOf(Error);
  });
});
