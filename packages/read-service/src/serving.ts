import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance } from 'fastify';

/** An HTTP app over one read model file, and what closes both once it stops serving. */
export interface ServedApp {
  app: FastifyInstance;
  close(): Promise<void>;
}

export interface Serving {
  /** The port it listens on (the one asked for, or the one given for port 0). */
  port: number;
  /**
   * New requests go to `next` (ready: `await app.ready()`) from now on; `retired` resolves once
   * the previous app has finished the requests it had (or after `drainMs`) and is closed.
   */
  swap(next: ServedApp): { retired: Promise<void> };
  close(): Promise<void>;
}

interface Generation {
  served: ServedApp;
  inFlight: number;
  idle?: () => void;
}

/** Fastify's timeouts of the first app apply to the one listening socket. */
const SERVER_SETTINGS = [
  'keepAliveTimeout',
  'requestTimeout',
  'headersTimeout',
  'timeout',
] as const;

/**
 * One listening socket in front of a read service's app, so the app (and the file it reads)
 * can be replaced while the service serves: a request stays with the app it reached first.
 * The apps never listen themselves; their servers get the socket's events.
 */
export async function serveApp(
  first: ServedApp,
  { host, port, drainMs = 30_000 }: { host: string; port: number; drainMs?: number },
): Promise<Serving> {
  await first.app.ready();
  let current: Generation = { served: first, inFlight: 0 };
  const server: Server = createServer();
  for (const setting of SERVER_SETTINGS) {
    (server as unknown as Record<string, unknown>)[setting] = first.app.server[setting];
  }
  const enter = (done: { once(event: 'close', listener: () => void): unknown }) => {
    const generation = current;
    generation.inFlight++;
    done.once('close', () => {
      if (--generation.inFlight === 0) generation.idle?.();
    });
    return generation.served.app.server;
  };
  server.on('request', (request: IncomingMessage, response) =>
    enter(response).emit('request', request, response),
  );
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) =>
    enter(socket).emit('upgrade', request, socket, head),
  );
  server.on('clientError', (err, socket) =>
    current.served.app.server.emit('clientError', err, socket),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => resolve());
  });
  const retire = async (generation: Generation) => {
    if (generation.inFlight > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, drainMs);
        generation.idle = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    await generation.served.close();
  };
  return {
    port: (server.address() as { port: number }).port,
    swap: (next) => {
      const previous = current;
      current = { served: next, inFlight: 0 };
      return { retired: retire(previous) };
    },
    close: async () => {
      const closed = new Promise((resolve) => server.close(resolve));
      server.closeIdleConnections();
      await retire(current);
      server.closeAllConnections();
      await closed;
    },
  };
}
