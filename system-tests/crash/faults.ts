import { restartKafka } from '@fairflax/kafka-broker';
import { CRASH_BROKER } from './kafka.js';
import { seededRandom, subSeed } from './random.js';
import { READ_SERVICES, type FaultRecord, type ServiceName } from './types.js';

export interface PlannedFault {
  target: ServiceName | 'broker';
  /** Strikes once this many commands have completed. */
  atCommand: number;
  /** A stream processor kill aimed between produce and commit (see commit-window.ts). */
  inCommit?: true;
}

export interface FaultPlanOptions {
  /**
   * Further SIGKILLs of the stream processor (0 by default). Every second one strikes as soon
   * as the fault before it has recovered: the processor is then killed while it rejoins its
   * groups, claims its partitions and restores its state (a rebalance), or, after the broker
   * restart, while its group and transaction coordinators are still loading.
   */
  processorKills?: number;
  /**
   * Further kills of the stream processor inside the window between its transactions' produce
   * and their commit (0 by default), each in a window of the run of its own.
   */
  commitKills?: number;
}

/**
 * One SIGKILL each for articles (which hosts the relay), one read service and the stream
 * processor, and one broker restart, plus `processorKills` more of the stream processor. The
 * run from 10% to 90% of the commands is cut in equal windows, the faults are dealt to the
 * windows in a seeded order, and each strikes at a seeded point of its window: late enough for
 * state to exist, spread out so that each one hits a system under load rather than one still
 * recovering from the previous fault. Without `processorKills` a seed gives the same plan as
 * it always did.
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
  // The extra kills go in after the shuffle, so that the four base faults keep their order.
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
      // Back to back: due at once, it strikes as soon as the previous fault has recovered.
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
  /** What the kill found (how many transactions were open), for the fault line. */
  detail?: string;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

/**
 * Fires the planned faults as the command count passes them. Traffic keeps flowing (and
 * retrying) while a process is down or the broker restarts; only when the next fault is due
 * while the previous one is still recovering are new commands held back (see `hold`), so that
 * faults strike one at a time.
 */
export class FaultInjector {
  readonly timeline: FaultRecord[] = [];
  private readonly pending: PlannedFault[];
  private readonly running: Promise<void>[] = [];
  private stopped = false;
  private recovering: Promise<void> | undefined;
  private done = 0;
  private startedAt = Date.now();

  /**
   * `crash` kills a service (SIGKILL, or inside its commit window) and restarts it, resolving
   * with how long it was down and what the kill found.
   */
  constructor(
    private readonly crash: (fault: PlannedFault & { target: ServiceName }) => Promise<Crashed>,
    faults: readonly PlannedFault[],
    private readonly log: (line: string) => void,
  ) {
    this.pending = [...faults];
  }

  /** Times are told from here: call it as the first command goes out. */
  begin(): void {
    this.startedAt = Date.now();
  }

  /**
   * Strikes the next fault once its command count is reached and the previous fault has
   * recovered. Only called on a command's completion, so after a hold (below) the driver has
   * refilled its window first, and the fault finds commands in flight.
   */
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

  /**
   * For the command driver, before it starts command number `started + 1`: a promise to wait
   * for when the next fault would be due before the previous one has recovered.
   */
  readonly hold = (started: number): Promise<void> | undefined => {
    const next = this.pending[0];
    return next !== undefined && started >= next.atCommand ? this.recovering : undefined;
  };

  /** Records a process that died without being killed (restarted by the system). */
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

  /**
   * Waits for every fault to strike and recover; rejects if a restart failed. A fault still
   * pending when the commands ran out (its turn came while the previous one recovered) strikes
   * now, on an idle system.
   */
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

  /**
   * Strikes nothing more, and waits for the faults under way (a broker restart) to finish: a
   * run that ends, even on an error, leaves nothing of its own behind for the next one.
   */
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
