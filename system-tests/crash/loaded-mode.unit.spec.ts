import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { planFaults } from './faults.js';
import { MachineLoad, spawnBusyLoop } from './load.js';

describe('the loaded mode', () => {
  it('keeps the plan of a seed without extra processor kills as it was', () => {
    // Seed 1 at 5000 commands, as `pnpm test` runs it (and as the fault log shows).
    expect(planFaults(1, 5_000)).toEqual(planFaults(1, 5_000, { processorKills: 0 }));
    expect(planFaults(1, 5_000).map((f) => f.target)).toHaveLength(4);
  });

  it('adds stream processor kills, every second one back to back with the fault before it', () => {
    for (const seed of [1, 2, 3, 7, 11]) {
      const plan = planFaults(seed, 1_500, { processorKills: 4 });
      expect(plan).toHaveLength(8);
      expect(plan.filter((f) => f.target === 'stream-processor')).toHaveLength(5);
      expect(plan.filter((f) => f.target === 'broker')).toHaveLength(1);
      // In order of the command count, within 10% to 90% of the run.
      const at = plan.map((f) => f.atCommand);
      expect(at).toEqual([...at].sort((a, b) => a - b));
      expect(Math.min(...at)).toBeGreaterThanOrEqual(150);
      expect(Math.max(...at)).toBeLessThan(1_350);
      // Two of the extra kills share their command count with the fault before them.
      const backToBack = plan.filter((f, i) => i > 0 && f.atCommand === plan[i - 1]!.atCommand);
      expect(backToBack.map((f) => f.target)).toEqual(['stream-processor', 'stream-processor']);
    }
  });

  it('adds kills in the commit window, each in a window of its own, and keeps the rest of the plan', () => {
    for (const seed of [1, 2, 3, 7, 11]) {
      const plan = planFaults(seed, 1_500, { processorKills: 2, commitKills: 3 });
      expect(plan).toHaveLength(9);
      expect(plan.filter((f) => f.inCommit)).toHaveLength(3);
      expect(plan.filter((f) => f.inCommit).every((f) => f.target === 'stream-processor')).toBe(
        true,
      );
      const at = plan.map((f) => f.atCommand);
      expect(at).toEqual([...at].sort((a, b) => a - b));
      for (const [i, fault] of plan.entries())
        if (fault.inCommit && i > 0)
          expect(fault.atCommand).toBeGreaterThan(plan[i - 1]!.atCommand);
      expect(planFaults(seed, 1_500, { processorKills: 2 })).toEqual(
        planFaults(seed, 1_500, { processorKills: 2, commitKills: 0 }),
      );
    }
  });

  it('starts one busy process per worker and leaves none running after stop', async () => {
    const load = MachineLoad.start(2);
    expect(load.workers).toBe(2);
    await load.stop();
    expect(load.workers).toBe(2);
    expect(MachineLoad.start(0).workers).toBe(0);
    expect(() => MachineLoad.start(-1)).toThrow('load must be a non-negative integer');
  });

  it('runs a busy loop that ends on its own once the process it watches is gone', async () => {
    const watched = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 300)']);
    const loop = spawnBusyLoop(watched.pid);
    const loopExit = new Promise<number | null>((resolve) => loop.once('exit', resolve));
    await new Promise((resolve) => watched.once('exit', resolve));
    const timer = setTimeout(() => loop.kill('SIGKILL'), 5_000);
    // 0: it left by itself; null (SIGKILL after 5 s) would mean it kept spinning.
    expect(await loopExit).toBe(0);
    clearTimeout(timer);
  });
});
