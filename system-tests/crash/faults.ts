import { restartKafka } from '@fairflax/kafka-broker';
import { CRASH_BROKER } from './kafka.js';
import { seededRandom, subSeed } from './random.js';
import { READ_SERVICES, type FaultRecord, type ServiceName } from './types.js';

export interface PlannedFault {
  target: ServiceName | 'broker';
  atCommand: number;
  /** A stream processor kill aimed between produce and commit (see commit-window.ts). */
  inCommit?: true;
}

export interface FaultPlanOptions {
  /** Extra stream processor kills; every second one lands mid-rebalance, right after recovery. */
  processorKills?: number;
  commitKills?: number;
}

/**
 * Faults are dealt, in seeded order, to equal windows of 10%-90% of the commands: late enough for
 * state to exist, spread so each hits a loaded system rather than one still recovering.
 */
export function planFaults(
  seed: number,
  commands: number,
  options: FaultPlanOptions = {},
): PlannedFault[] {
  const random = seededRandom(subSeed(seed, 2));
  const extra = options.processorKills ?? 0;
  const targets: PlannedFault['target'][] = [
    'articles',
    random.pick(READ_SERVICES),
    'stream-processor',
    'broker',
  ];
  for (let i = targets.length - 1; i > 0; i--) {
    const j = random.int(i + 1);
    [targets[i], targets[j]] = [targets[j]!, targets[i]!];
  }
  // Extra kills go in after the shuffle, so the four base faults of a seed keep their order.
  const slots: { target: PlannedFault['target']; extra: boolean; inCommit?: true }[] = targets.map(
    (target) => ({ target, extra: false }),
  );
  for (let k = 0; k < extra; k++)
    slots.splice(random.int(slots.length + 1), 0, { target: 'stream-processor', extra: true });
  for (let k = 0; k < (options.commitKills ?? 0); k++)
    slots.splice(random.int(slots.length + 1), 0, {
      target: 'stream-processor',
      extra: false,
      inCommit: true,
    });
  const window = 0.8 / (slots.length - Math.floor(extra / 2));
  const plan: PlannedFault[] = [];
  let windowIndex = 0;
  let extraSeen = 0;
  for (const { target, extra: isExtra, inCommit } of slots) {
    const previous = plan.at(-1);
    if (isExtra && ++extraSeen % 2 === 0 && previous) {
      plan.push({ target, atCommand: previous.atCommand });
      continue;
    }
    const at = Math.floor(commands * (0.1 + window * (windowIndex + random.next())));
    plan.push({ target, atCommand: Math.max(1, at), ...(inCommit && { inCommit }) });
    windowIndex++;
  }
  return plan;
}

export interface Crashed {
  downMs: number;
  detail?: string;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

/** Traffic flows during a fault; commands are held back only so faults strike one at a time. */
export class FaultInjector {
  readonly timeline: FaultRecord[] = [];
  private readonly pending: PlannedFault[];
  private readonly running: Promise<void>[] = [];
  private stopped = false;
  private recovering: Promise<void> | undefined;
  private done = 0;
  private startedAt = Date.now();

  constructor(
    private readonly crash: (fault: PlannedFault & { target: ServiceName }) => Promise<Crashed>,
    faults: readonly PlannedFault[],
    private readonly log: (line: string) => void,
  ) {
    this.pending = [...faults];
  }

  /** Call as the first command goes out: fault times count from here. */
  begin(): void {
    this.startedAt = Date.now();
  }

  /** Called on a command's completion, so after a hold the fault still finds commands in flight. */
  readonly onProgress = (done: number): void => {
    this.done = done;
    const fault = this.pending[0];
    if (this.stopped || fault === undefined || fault.atCommand > done || this.recovering) return;
    this.pending.shift();
    void this.fire(fault);
  };

  private fire(fault: PlannedFault): Promise<void> {
    const strike = this.strike(fault, Date.now() - this.startedAt, this.done);
    strike.catch(() => undefined); // reported by settled()
    this.running.push(strike);
    const recovering = strike.then(
      () => undefined,
      () => undefined,
    );
    this.recovering = recovering;
    void recovering.then(() => {
      if (this.recovering === recovering) this.recovering = undefined;
    });
    return recovering;
  }

  readonly hold = (started: number): Promise<void> | undefined => {
    const next = this.pending[0];
    return next !== undefined && started >= next.atCommand ? this.recovering : undefined;
  };

  unplannedExit(
    service: ServiceName,
    code: number | null,
    downMs: number,
    lastOutput: string,
  ): void {
    const atMs = Date.now() - downMs - this.startedAt;
    const line = `[+${seconds(atMs)} after ${this.done} commands] ${service} exited on its own (code ${code}); restarted in ${seconds(downMs)}`;
    this.record({
      kind: 'exit',
      target: service,
      atMs,
      afterCommands: this.done,
      downMs,
      line,
      lastOutput,
    });
  }

  /** Rejects if a restart failed. Faults still pending when the commands ran out strike now. */
  async settled(): Promise<void> {
    await Promise.all(this.running);
    for (
      let fault = this.pending.shift();
      fault !== undefined && !this.stopped;
      fault = this.pending.shift()
    ) {
      await this.fire(fault);
    }
    await Promise.all(this.running);
  }

  /** Waits for faults under way, so a run that fails leaves no broker restart behind. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.pending.length = 0;
    await Promise.allSettled(this.running);
  }

  private async strike(fault: PlannedFault, atMs: number, afterCommands: number): Promise<void> {
    const where = `[+${seconds(atMs)} after ${afterCommands} commands]`;
    if (fault.target === 'broker') {
      const started = Date.now();
      await restartKafka(CRASH_BROKER);
      const downMs = Date.now() - started;
      const line = `${where} broker restart (clean shutdown); answering again in ${seconds(downMs)}`;
      this.record({ kind: 'broker-restart', target: 'broker', atMs, afterCommands, downMs, line });
      return;
    }
    const { downMs, detail } = await this.crash({ ...fault, target: fault.target });
    const how = fault.inCommit ? 'SIGKILL in the commit window of' : 'SIGKILL';
    this.record({
      kind: fault.inCommit ? 'commit-kill' : 'sigkill',
      target: fault.target,
      atMs,
      afterCommands,
      downMs,
      line: `${where} ${how} ${fault.target}${detail ? ` (${detail})` : ''}; restarted in ${seconds(downMs)}`,
    });
  }

  private record(fault: FaultRecord): void {
    this.timeline.push(fault);
    this.log(fault.line);
  }
}
