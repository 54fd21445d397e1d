/**
 * When a supervisor (`pnpm start`, scripts/start.ts) restarts a service that exited, and when it
 * gives up and stops the whole system instead. Pure: the caller passes the clock in.
 */
export interface RestartPolicy {
  /** The first delay, and the delay after a stable run; each crash after a short run doubles it. */
  initialDelayMs: number;
  maxDelayMs: number;
  /** A run at least this long (from ready to exit) counts as stable: the delay starts over. */
  stableAfterMs: number;
  /** This many crashes of one service within `crashWindowMs` stop the system. */
  maxCrashes: number;
  crashWindowMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  initialDelayMs: 500,
  maxDelayMs: 10_000,
  stableAfterMs: 30_000,
  maxCrashes: 5,
  crashWindowMs: 60_000,
};

export interface CrashHistory {
  /** The crashes within the last window, oldest first. */
  readonly crashedAt: readonly number[];
  /** 0 before the first restart. */
  readonly lastDelayMs: number;
}

export const NO_CRASHES: CrashHistory = { crashedAt: [], lastDelayMs: 0 };

export interface Crash {
  at: number;
  /** Whether it ever became ready: an exit before that is a failed start, not a crash. */
  everReady: boolean;
  /** How long the run that ended was ready; 0 when a restart exited before it became ready. */
  readyForMs: number;
}

export type RestartDecision =
  { restart: true; delayMs: number; history: CrashHistory } | { restart: false; reason: string };

/**
 * Restart with exponential backoff, except when the service never became ready (a broken
 * configuration or build would only fail again, and a system is never left half started) or
 * when it keeps crashing (`maxCrashes` within `crashWindowMs`).
 */
export function decideRestart(
  history: CrashHistory,
  crash: Crash,
  policy: RestartPolicy = DEFAULT_RESTART_POLICY,
): RestartDecision {
  if (!crash.everReady) return { restart: false, reason: 'it failed during start-up' };
  const crashedAt = [
    ...history.crashedAt.filter((at) => at > crash.at - policy.crashWindowMs),
    crash.at,
  ];
  if (crashedAt.length >= policy.maxCrashes)
    return {
      restart: false,
      reason: `${crashedAt.length} crashes within ${formatDelay(policy.crashWindowMs)}`,
    };
  const delayMs =
    history.lastDelayMs === 0 || crash.readyForMs >= policy.stableAfterMs
      ? policy.initialDelayMs
      : Math.min(history.lastDelayMs * 2, policy.maxDelayMs);
  return { restart: true, delayMs, history: { crashedAt, lastDelayMs: delayMs } };
}

export function formatDelay(ms: number): string {
  return `${ms / 1000} s`;
}
