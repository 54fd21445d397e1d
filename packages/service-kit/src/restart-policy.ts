/** For the supervisor (scripts/start.ts); pure: the caller passes the clock in. */
export interface RestartPolicy {
  /** Also after a stable run; each crash after a short run doubles it. */
  initialDelayMs: number;
  maxDelayMs: number;
  /** From ready to exit. */
  stableAfterMs: number;
  /** Crashes of one service within `crashWindowMs` that stop the system. */
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
  /** Within the last window, oldest first. */
  readonly crashedAt: readonly number[];
  readonly lastDelayMs: number;
}

export const NO_CRASHES: CrashHistory = { crashedAt: [], lastDelayMs: 0 };

export interface Crash {
  at: number;
  /** An exit before ready is a failed start, not a crash. */
  everReady: boolean;
  /** 0 when a restart exited before it became ready. */
  readyForMs: number;
}

export type RestartDecision =
  { restart: true; delayMs: number; history: CrashHistory } | { restart: false; reason: string };

/** Never after a failed start: a broken configuration or build would only fail again. */
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
