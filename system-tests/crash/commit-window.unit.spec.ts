import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tsNodeArgs } from '@fairflax/testkit';
import { describe, expect, it } from 'vitest';
import { COMMIT_WINDOW_LINE } from './types.js';

const require = createRequire(import.meta.url);
const preload = fileURLToPath(new URL('./commit-window.ts', import.meta.url));

/**
 * A process with kafkajs' producer replaced by one whose transactions commit at once, then the
 * preload on top of it, committing `transactions` transactions every 20 ms on three producers.
 */
const child = (sendSignal: boolean) => `
  const { createRequire } = require('node:module');
  const kafkajs = createRequire(${JSON.stringify(require.resolve('../../packages/kafka-streams/package.json'))})('kafkajs');
  let commits = 0;
  kafkajs.Kafka.prototype.producer = () => ({
    transaction: async () => ({ commit: async () => { commits++; } }),
  });
  import(${JSON.stringify(preload)}).then(async () => {
    const kafka = new kafkajs.Kafka({ brokers: ['127.0.0.1:1'] });
    const producers = ['a', 'b', 'c'].map((id) => kafka.producer({ transactionalId: id }));
    ${sendSignal ? "setTimeout(() => process.kill(process.pid, 'SIGUSR2'), 100);" : ''}
    for (let round = 0; round < 20; round++) {
      for (const p of producers) void p.transaction().then((t) => t.commit());
      await new Promise((r) => setTimeout(r, 20));
    }
    process.stdout.write('commits ' + commits + '\\n');
  });
`;

function run(sendSignal: boolean) {
  const script = join(mkdtempSync(join(tmpdir(), 'commit-window-')), 'child.cjs');
  writeFileSync(script, child(sendSignal));
  const proc = spawn(process.execPath, tsNodeArgs(script), { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  proc.stdout.on('data', (c: Buffer) => (output += c.toString()));
  proc.stderr.on('data', (c: Buffer) => (output += c.toString()));
  return new Promise<{ signal: NodeJS.Signals | null; output: string }>((resolve) =>
    proc.once('exit', (_code, signal) => resolve({ signal, output })),
  );
}

// A child process compiled by tsx: seconds on a busy machine.
describe(
  'the commit-window kill the crash test preloads into the stream processor',
  { timeout: 30_000 },
  () => {
    it('lets every commit through until it is armed', async () => {
      const { signal, output } = await run(false);
      expect(signal).toBeNull();
      expect(output).toContain('commits 60');
    });

    it('once armed, holds commits and SIGKILLs the process with two transactions open', async () => {
      const { signal, output } = await run(true);
      expect(signal).toBe('SIGKILL');
      expect(output).toMatch(
        new RegExp(`${COMMIT_WINDOW_LINE} 2 transaction\\(s\\) open \\([abc], [abc]\\)`),
      );
      expect(output).not.toContain('commits');
    });
  },
);
