import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { serveApp, type ServedApp, type Serving } from './serving.js';

let serving: Serving | undefined;
afterEach(async () => {
  await serving?.close();
  serving = undefined;
});

/** An app that names itself; `/slow` answers once `release` is called. */
function namedApp(name: string, events: string[]) {
  let release = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  const app = Fastify();
  app.get('/which', () => name);
  app.get('/slow', async () => {
    events.push(`${name} slow started`);
    await released;
    return name;
  });
  const served: ServedApp = {
    app,
    close: async () => {
      await app.close();
      events.push(`${name} closed`);
    },
  };
  return { served, release };
}

const get = (port: number, path: string) =>
  fetch(`http://127.0.0.1:${port}${path}`).then((r) => r.text());

describe('serving one app at a time on one socket', () => {
  it('sends new requests to the new app while the old one finishes its own, then closes it', async () => {
    const events: string[] = [];
    const a = namedApp('a', events);
    const b = namedApp('b', events);
    serving = await serveApp(a.served, { host: '127.0.0.1', port: 0 });
    const { port } = serving;
    expect(await get(port, '/which')).toBe('a');

    const slow = get(port, '/slow');
    await expect.poll(() => events).toContain('a slow started');
    await b.served.app.ready();
    const swapped = serving.swap(b.served).retired.then(() => events.push('swapped'));
    expect(await get(port, '/which')).toBe('b');
    expect(events).not.toContain('a closed');

    a.release();
    expect(await slow).toBe('a');
    await swapped;
    expect(events).toEqual(['a slow started', 'a closed', 'swapped']);
    expect(await get(port, '/which')).toBe('b');
  });

  it('closes the old app after the drain time even if a request never ends', async () => {
    const events: string[] = [];
    const a = namedApp('a', events);
    const b = namedApp('b', events);
    serving = await serveApp(a.served, { host: '127.0.0.1', port: 0, drainMs: 50 });
    const stuck = get(serving.port, '/slow').catch(() => undefined);
    await expect.poll(() => events).toContain('a slow started');
    await b.served.app.ready();
    await serving.swap(b.served).retired;
    expect(events).toContain('a closed');
    a.release();
    await stuck;
  });

  it('answers a malformed request with 400, as the app would', async () => {
    const a = namedApp('a', []);
    serving = await serveApp(a.served, { host: '127.0.0.1', port: 0 });
    const { createConnection } = await import('node:net');
    const socket = createConnection(serving.port, '127.0.0.1');
    socket.write('NOT HTTP\r\n\r\n');
    const answer = await new Promise<string>((resolve) => {
      let text = '';
      socket.on('data', (d: Buffer) => (text += d.toString('utf8')));
      socket.on('close', () => resolve(text));
    });
    expect(answer).toMatch(/^HTTP\/1\.1 400/);
  });
});
