import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freeSystemPorts, systemPortsEnv, waitFor } from '@fairflax/testkit';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const SERVICES = ['articles', 'graph', 'rss', 'sitemap'];

describe('pnpm start (the supervisor)', { timeout: 120_000 }, () => {
  it('stops every service gracefully on one Ctrl-C, which the terminal sends to the whole process group', async () => {
    const ports = await freeSystemPorts();
    const dataDir = mkdtempSync(join(tmpdir(), 'fairflax-start-'));
    // What `pnpm start` runs: the tsx CLI, which relays signals to the supervisor it starts.
    // Its own process group stands for the terminal's foreground group.
    const supervisor = spawn(
      join(root, 'node_modules/.bin/tsx'),
      ['--conditions=source', 'scripts/start.ts'],
      {
        cwd: root,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          ...process.env,
          TRANSPORT: 'embedded',
          DATA_DIR: dataDir,
          ...systemPortsEnv(ports),
        },
      },
    );
    let output = '';
    supervisor.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    supervisor.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const exited = new Promise<number | null>((resolve) =>
      supervisor.on('exit', (code) => resolve(code)),
    );
    try {
      for (const port of [ports.graph, ports.rss, ports.sitemap])
        await waitFor(
          `the service on ${port} to answer`,
          () =>
            fetch(`http://127.0.0.1:${port}/healthz`).then(
              (r) => r.ok,
              () => false,
            ),
          60_000,
          200,
        );

      process.kill(-supervisor.pid!, 'SIGINT');
      const code = await exited;

      const lines = output.split('\n');
      for (const name of SERVICES) expect(lines, output).toContain(`${name} exited (code 0)`);
      expect(output).not.toContain('SIGKILL');
      expect(output).not.toContain('second signal');
      expect(code, output).toBe(0);
    } finally {
      if (supervisor.exitCode === null) process.kill(-supervisor.pid!, 'SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
