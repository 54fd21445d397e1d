import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { waitForPosition } from './read-position.js';

let server: Server | undefined;
afterEach(
  () => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())),
);

/** A stand-in read service whose /healthz position is whatever `position()` says. */
async function fakeReadService(position: () => number): Promise<string> {
  server = createServer((req, res) => {
    if (req.url !== '/healthz') return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: 'ok', position: position(), feed: null }));
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return `http://127.0.0.1:${address.port}`;
}

describe('waitForPosition', () => {
  it('resolves with the reported position once the read model reaches the wanted one', async () => {
    let calls = 0;
    const url = await fakeReadService(() => (++calls < 4 ? 5 : 12));
    expect(await waitForPosition(url, 10)).toBe(12);
    expect(calls).toBe(4);
  });

  it('fails after the timeout, naming the service, the wanted and the reached position', async () => {
    const url = await fakeReadService(() => 7);
    await expect(waitForPosition(url, 9, { timeoutMs: 150 })).rejects.toThrow(
      `${url} did not reach position 9 within 150 ms: its read model reached 7`,
    );
  });

  it('says why when the service does not answer at all', async () => {
    const url = await fakeReadService(() => 0);
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = undefined;
    await expect(waitForPosition(url, 1, { timeoutMs: 100 })).rejects.toThrow(
      /reached no reported position \(last error: fetch failed\)/,
    );
  });
});
