import type { FastifyInstance } from 'fastify';

/** A read service's position: the log position its answers include, from its /healthz. */
export interface ServicePosition {
  service: string;
  position: number | null;
  /** Why `position` is null. */
  problem?: string;
}

export interface Positions {
  /** The articles log's head, as graph's feed last reported it. */
  head: number | null;
  services: ServicePosition[];
}

export interface PositionsOptions {
  /** Base URLs of the other read services, by name. */
  services: Record<string, string>;
  timeoutMs: number;
  /** However many pages ask, each service's /healthz is read at most once per this interval. */
  reuseMs: number;
}

const MAX_HEALTH_BYTES = 16_384;

/**
 * GET `path`: graph's own position and head (its /healthz, in process) and each other service's,
 * fetched with a time limit. A service that does not answer in time is reported, not waited for.
 */
export function servePositions(app: FastifyInstance, path: string, options: PositionsOptions) {
  const read = async (): Promise<Positions> => {
    const graph = await app.inject({ method: 'GET', url: '/healthz' });
    const health: unknown = graph.statusCode === 200 ? graph.json() : undefined;
    const others = await Promise.all(
      Object.entries(options.services).map(([service, url]) =>
        positionOf(service, `${url}/healthz`, options.timeoutMs),
      ),
    );
    return {
      head: numberAt(health, 'feed', 'headPosition'),
      services: [{ service: 'graph', position: numberAt(health, 'position') }, ...others],
    };
  };
  let last: { at: number; positions: Promise<Positions> } | undefined;
  app.get(path, async (_request, reply) => {
    const now = Date.now();
    if (last === undefined || now - last.at >= options.reuseMs)
      last = { at: now, positions: read() };
    const positions = await last.positions;
    return reply.header('cache-control', 'no-store').send(positions);
  });
}

async function positionOf(service: string, url: string, timeoutMs: number) {
  try {
    const res = await fetch(url, {
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'error',
      headers: { accept: 'application/json' },
    });
    if (!res.ok) {
      await res.body?.cancel();
      return { service, position: null, problem: `its /healthz answered ${res.status}` };
    }
    const position = numberAt(JSON.parse(await boundedText(res, MAX_HEALTH_BYTES)), 'position');
    return position === null
      ? { service, position, problem: 'its /healthz reports no position' }
      : { service, position };
  } catch (err) {
    const problem =
      err instanceof Error && err.name === 'TimeoutError'
        ? `no answer within ${timeoutMs} ms`
        : err instanceof TypeError
          ? 'unreachable'
          : 'its /healthz answer is not readable';
    return { service, position: null, problem };
  }
}

async function boundedText(res: Response, maxBytes: number): Promise<string> {
  if (res.body === null) return '';
  const reader: ReadableStreamDefaultReader<Uint8Array> = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return Buffer.concat(chunks).toString('utf8');
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw new Error(`a /healthz body over ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
}

function numberAt(value: unknown, ...path: string[]): number | null {
  let at = value;
  for (const key of path) {
    if (typeof at !== 'object' || at === null) return null;
    at = (at as Record<string, unknown>)[key];
  }
  return typeof at === 'number' && Number.isSafeInteger(at) ? at : null;
}
