import { describe, expect, it } from 'vitest';
import {
  decideRestart,
  DEFAULT_RESTART_POLICY,
  NO_CRASHES,
  type CrashHistory,
  type RestartDecision,
} from './restart-policy.js';

const policy = DEFAULT_RESTART_POLICY;

/** Crashes one service at the given times, each after running `readyForMs`, feeding the history on. */
function crashAt(times: number[], readyForMs = 1_000) {
  let history: CrashHistory = NO_CRASHES;
  const decisions: RestartDecision[] = [];
  for (const at of times) {
    const decision = decideRestart(history, { at, everReady: true, readyForMs }, policy);
    decisions.push(decision);
    if (decision.restart) history = decision.history;
  }
  return decisions;
}

const delays = (decisions: RestartDecision[]) =>
  decisions.map((d) => (d.restart ? d.delayMs : d.reason));

describe('decideRestart', () => {
  it('stops the system when a service exits before it was ever ready', () => {
    expect(
      decideRestart(NO_CRASHES, { at: 1_000, everReady: false, readyForMs: 0 }, policy),
    ).toEqual({ restart: false, reason: 'it failed during start-up' });
  });

  it('restarts a crash after the service was ready, first after the initial delay', () => {
    expect(decideRestart(NO_CRASHES, { at: 5_000, everReady: true, readyForMs: 10 })).toEqual({
      restart: true,
      delayMs: 500,
      history: { crashedAt: [5_000], lastDelayMs: 500 },
    });
  });

  it('doubles the delay for crashes after short runs, up to the cap', () => {
    // One crash every 20 s keeps at most 3 in any 60 s window, so it never gives up.
    const times = Array.from({ length: 8 }, (_, i) => i * 20_000);
    expect(delays(crashAt(times))).toEqual([
      500, 1_000, 2_000, 4_000, 8_000, 10_000, 10_000, 10_000,
    ]);
  });

  it('starts the delay over after a run that lasted long enough to count as stable', () => {
    let history: CrashHistory = NO_CRASHES;
    const decide = (at: number, readyForMs: number) => {
      const decision = decideRestart(history, { at, everReady: true, readyForMs });
      if (!decision.restart) throw new Error(decision.reason);
      history = decision.history;
      return decision.delayMs;
    };
    expect([decide(0, 100), decide(1_000, 100), decide(3_000, 100)]).toEqual([500, 1_000, 2_000]);
    expect(decide(40_000, policy.stableAfterMs)).toBe(500);
  });

  it('counts a restart that exits before it became ready as a crash, with a longer delay', () => {
    const first = decideRestart(NO_CRASHES, { at: 0, everReady: true, readyForMs: 60_000 });
    if (!first.restart) throw new Error('expected a restart');
    const second = decideRestart(first.history, { at: 2_000, everReady: true, readyForMs: 0 });
    expect(second).toMatchObject({ restart: true, delayMs: 1_000 });
  });

  it('gives up on the fifth crash of one service within 60 s', () => {
    const decisions = crashAt([0, 1_000, 3_000, 7_000, 15_000]);
    expect(delays(decisions)).toEqual([500, 1_000, 2_000, 4_000, '5 crashes within 60 s']);
  });

  it('forgets crashes older than the window', () => {
    // The fifth crash comes 60 s after the first: only four fall within the window.
    const decisions = crashAt([0, 20_000, 30_000, 40_000, 60_000]);
    expect(decisions.every((d) => d.restart)).toBe(true);
    const last = decisions.at(-1);
    expect(last?.restart && last.history.crashedAt).toEqual([20_000, 30_000, 40_000, 60_000]);
  });
});
