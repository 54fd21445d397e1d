import { describe, expect, it } from 'vitest';
import { StreamQueue } from './stream-queue.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('StreamQueue', () => {
  it('runs the tasks of one stream one at a time, in arrival order', async () => {
    const queue = new StreamQueue();
    const log: string[] = [];
    let running = 0;
    const task = (name: string) => async () => {
      running++;
      expect(running).toBe(1);
      log.push(`start ${name}`);
      await tick();
      log.push(`end ${name}`);
      running--;
      return name;
    };
    const results = await Promise.all(['a', 'b', 'c'].map((n) => queue.run('s', task(n))));
    expect(results).toEqual(['a', 'b', 'c']);
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });

  it('runs tasks of different streams side by side', async () => {
    const queue = new StreamQueue();
    const gate = deferred();
    const first = queue.run('one', () => gate.promise.then(() => 'one'));
    await expect(queue.run('two', () => Promise.resolve('two'))).resolves.toBe('two');
    gate.resolve();
    await expect(first).resolves.toBe('one');
  });

  it('passes a failure to its caller only, and runs the next task anyway', async () => {
    const queue = new StreamQueue();
    const failing = queue.run('s', () => Promise.reject(new Error('boom')));
    const throwing = queue.run('s', () => {
      throw new Error('thrown');
    });
    const next = queue.run('s', () => Promise.resolve('next'));
    await expect(failing).rejects.toThrow('boom');
    await expect(throwing).rejects.toThrow('thrown');
    await expect(next).resolves.toBe('next');
  });

  it('forgets a stream once nothing is queued for it', async () => {
    const queue = new StreamQueue();
    const gate = deferred();
    const tasks = Array.from({ length: 100 }, (_, i) =>
      queue.run(`stream-${i % 10}`, () => gate.promise),
    );
    expect(queue.busyStreams).toBe(10);
    gate.resolve();
    await Promise.all(tasks);
    await tick();
    expect(queue.busyStreams).toBe(0);
  });
});
