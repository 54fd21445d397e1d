import type { ProjectionRunner } from '@fairflax/projections';

/** README, "How it fits together"; too late is a 503, never stale data presented as fresh. */
export const MIN_POSITION_HEADER = 'x-min-position';
export const WAIT_TIMEOUT_HEADER = 'x-wait-timeout-ms';
export const POSITION_HEADER = 'x-read-model-position';
const DEFAULT_WAIT_MS = 3_000;
const MAX_WAIT_MS = 10_000;

interface RequestLike {
  headers: Record<string, string | string[] | undefined>;
  query: unknown;
}
interface ReplyLike {
  header(name: string, value: string | number): unknown;
  code(status: number): ReplyLike;
  type(contentType: string): ReplyLike;
  send(payload?: unknown): unknown;
}

interface ConsistencyFailure {
  ok: false;
  status: 400 | 503;
  title: string;
  detail: string;
}

export type ConsistencyCheck = { ok: true } | ConsistencyFailure;

interface Waiter {
  position: number;
  resolve: (reached: boolean) => void;
  timer: NodeJS.Timeout;
}

/** Readers waiting for the runner to reach a position; woken after each commit. */
export class PositionWaiters {
  private waiters: Waiter[] = [];

  constructor(private readonly runner: ProjectionRunner) {
    runner.onCommitted(() => this.wake());
  }

  reached(): number {
    return this.runner.globalPosition();
  }

  /** Resolves false once `timeoutMs` passes first. */
  waitFor(globalPosition: number, timeoutMs: number): Promise<boolean> {
    if (this.runner.globalPosition() >= globalPosition) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter: Waiter = {
        position: globalPosition,
        resolve,
        timer: setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          resolve(false);
        }, timeoutMs),
      };
      this.waiters.push(waiter);
    });
  }

  private wake(): void {
    const reached = this.runner.globalPosition();
    if (!this.waiters.some((w) => w.position <= reached)) return;
    const ready = this.waiters.filter((w) => w.position <= reached);
    this.waiters = this.waiters.filter((w) => w.position > reached);
    for (const w of ready) {
      clearTimeout(w.timer);
      w.resolve(true);
    }
  }
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

type Wanted = ConsistencyCheck | { ok: 'wait'; position: number; timeoutMs: number };

const OK: ConsistencyCheck = Object.freeze({ ok: true });

/** Answered at once unless the position asked for is valid and not yet reached. */
function wantedPosition(
  reached: number,
  minPositionRaw: string | undefined,
  timeoutRaw: string | undefined,
): Wanted {
  if (minPositionRaw === undefined) return OK;
  if (!/^\d{1,15}$/.test(minPositionRaw)) {
    return {
      ok: false,
      status: 400,
      title: 'Bad Request',
      detail: `min position "${minPositionRaw}" is not a non-negative integer`,
    };
  }
  let timeoutMs = DEFAULT_WAIT_MS;
  if (timeoutRaw !== undefined) {
    if (!/^\d{1,6}$/.test(timeoutRaw)) {
      return {
        ok: false,
        status: 400,
        title: 'Bad Request',
        detail: `wait timeout "${timeoutRaw}" is not a number of milliseconds`,
      };
    }
    timeoutMs = Math.min(Number(timeoutRaw), MAX_WAIT_MS);
  }
  const position = Number(minPositionRaw);
  return reached >= position ? OK : { ok: 'wait', position, timeoutMs };
}

async function waitFor(
  waiters: PositionWaiters,
  { position, timeoutMs }: { position: number; timeoutMs: number },
): Promise<ConsistencyCheck> {
  if (await waiters.waitFor(position, timeoutMs)) return OK;
  return {
    ok: false,
    status: 503,
    title: 'Service Unavailable',
    detail: `read model is at position ${waiters.reached()}, behind the requested ${position} after waiting ${timeoutMs} ms`,
  };
}

/** Framework-free, so any HTTP layer (or a GraphQL argument) can use it. */
export async function awaitMinPosition(
  waiters: PositionWaiters,
  minPositionRaw: string | undefined,
  timeoutRaw?: string,
): Promise<ConsistencyCheck> {
  const wanted = wantedPosition(waiters.reached(), minPositionRaw, timeoutRaw);
  return wanted.ok === 'wait' ? waitFor(waiters, wanted) : wanted;
}

/**
 * Answers a request whose position is invalid or not reached in time; returns a promise only
 * when the request has to wait, so that the common request costs no promise.
 */
export function readYourWritesHook(runner: ProjectionRunner) {
  const waiters = new PositionWaiters(runner);
  const finish = (reply: ReplyLike, check: ConsistencyCheck): void => {
    reply.header(POSITION_HEADER, runner.globalPosition());
    if (check.ok) return;
    if (check.status === 503) reply.header('retry-after', 1);
    reply.code(check.status).type('application/problem+json').send({
      type: 'about:blank',
      title: check.title,
      status: check.status,
      detail: check.detail,
    });
  };
  return (request: RequestLike, reply: ReplyLike): Promise<void> | undefined => {
    const minPosition =
      single(request.headers[MIN_POSITION_HEADER]) ??
      (request.query as Record<string, string | undefined> | undefined)?.['minPosition'];
    const wanted = wantedPosition(
      runner.globalPosition(),
      minPosition,
      single(request.headers[WAIT_TIMEOUT_HEADER]),
    );
    if (wanted.ok !== 'wait') {
      finish(reply, wanted);
      return undefined;
    }
    return waitFor(waiters, wanted).then((check) => finish(reply, check));
  };
}
