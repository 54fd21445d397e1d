import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureKafka, stopKafka, type DedicatedBroker } from './broker.js';

const script = fileURLToPath(new URL('./kafka.sh', import.meta.url));

/** A port that is free, with the next one free too (for the controller). */
async function freePorts(): Promise<DedicatedBroker> {
  const bind = (port: number) =>
    new Promise<number | undefined>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(undefined));
      server.listen(port, '127.0.0.1', () => {
        const bound = (server.address() as { port: number }).port;
        server.close(() => resolve(bound));
      });
    });
  for (;;) {
    const port = await bind(0);
    if (port !== undefined && port < 65534 && (await bind(port + 1)) !== undefined)
      return { port, controllerPort: port + 1 };
  }
}

function kafkaSh(command: string, broker: DedicatedBroker, env: Record<string, string> = {}) {
  const child = spawn('bash', [script, command], {
    env: {
      ...process.env,
      KAFKA_PORT: String(broker.port),
      KAFKA_CONTROLLER_PORT: String(broker.controllerPort),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  return new Promise<{ code: number | null; output: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, output })),
  );
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('kafka.sh with a broker already on its port', { timeout: 120_000 }, () => {
  let broker: DedicatedBroker;
  let otherTmp: string;
  beforeAll(async () => {
    broker = await freePorts();
    otherTmp = mkdtempSync(join(tmpdir(), 'kafka-sh-other-'));
  });
  afterAll(async () => {
    await stopKafka(broker);
    rmSync(otherTmp, { recursive: true, force: true });
  }, 60_000);

  it('reuses the broker it started, and the handle tells it did not start it this time', async () => {
    expect((await ensureKafka(broker)).startedHere).toBe(true);
    expect((await ensureKafka(broker)).startedHere).toBe(false);
    const again = await kafkaSh('start', broker);
    expect(again.code).toBe(0);
    expect(again.output).toContain(
      `kafka: reusing the broker kafka.sh started earlier on 127.0.0.1:${broker.port} (pid `,
    );
  });

  it('says whose broker it reuses when it did not start it, and leaves it alone on stop', async () => {
    const ours = join(tmpdir().replace(/\/$/, ''), `fairflax-kafka-${broker.port}`);
    const elsewhere = { TMPDIR: otherTmp };
    const start = await kafkaSh('start', broker, elsewhere);
    expect(start.code).toBe(0);
    expect(start.output).toMatch(
      new RegExp(
        `^kafka: reusing a broker on 127\\.0\\.0\\.1:${broker.port} that kafka\\.sh did not ` +
          `start from ${escape(join(otherTmp, `fairflax-kafka-${broker.port}`))}: pid \\d+ ` +
          `\\(user \\S+\\), a kafka\\.sh broker whose data is in ${escape(ours)}\\. ` +
          `kafka\\.sh stop and restart leave it alone`,
        'm',
      ),
    );

    const stop = await kafkaSh('stop', broker, elsewhere);
    expect(stop.output).toContain('was not started by this kafka.sh, leaving it alone: pid ');
    expect((await kafkaSh('status', broker)).code).toBe(0);
  });
});
