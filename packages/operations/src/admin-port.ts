import { randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  dataPath,
  problemResponses,
  sendProblem,
  type Closer,
  type EnvReader,
  type Logger,
} from '@fairflax/service-kit';
import Fastify, { type FastifyInstance } from 'fastify';

/** Where a running service tells the admin commands its admin port and token. */
export interface AdminAddress {
  url: string;
  token: string;
}

/** One thing served on the admin port; `close` abandons what it runs. */
export type AdminFeature = (app: FastifyInstance) => { close(): Promise<void> };

export const adminAddressPath = (env: EnvReader, service: string) =>
  dataPath(env, `${service}.admin.json`);

/**
 * A service's admin port: on 127.0.0.1 only (`<SERVICE>_ADMIN_PORT`, any free port by default),
 * and every request must carry the token the service writes at start, with its address, into
 * `<DATA_DIR>/<service>.admin.json` (mode 0600): only who can read the service's data may
 * call it. The file goes when the service stops.
 */
export async function openAdminPort(
  context: { service: string; env: EnvReader; logger: Logger },
  features: readonly AdminFeature[],
): Promise<Closer> {
  const { service, env, logger } = context;
  const port = env.port(`${service.toUpperCase()}_ADMIN_PORT`, 0);
  const token = randomBytes(32).toString('base64url');
  const expected = Buffer.from(`Bearer ${token}`);
  const problems = problemResponses('admin');
  const app = Fastify({ logger: false, bodyLimit: 1_024, ...problems.serverOptions });
  problems.install(app);
  app.addHook('onRequest', (request, reply, done) => {
    const given = Buffer.from(request.headers.authorization ?? '');
    if (given.length === expected.length && timingSafeEqual(given, expected)) return done();
    sendProblem(
      reply,
      401,
      'Unauthorized',
      `the admin port wants the token in ${adminAddressPath(env, service)}`,
    );
  });
  const running = features.map((feature) => feature(app));
  const address = await app.listen({ host: '127.0.0.1', port });
  const file = adminAddressPath(env, service);
  writePrivate(file, JSON.stringify({ url: address, token } satisfies AdminAddress));
  logger.info({ url: address, token: file }, `${service} admin port listening`);
  return async () => {
    for (const feature of running) await feature.close();
    await app.close();
    // A newer instance of the service may have written its own since.
    if (readAdminAddress(file)?.token === token) rmSync(file, { force: true });
  };
}

export function readAdminAddress(file: string): AdminAddress | undefined {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<AdminAddress>;
    if (typeof parsed.url === 'string' && typeof parsed.token === 'string') {
      return { url: parsed.url, token: parsed.token };
    }
  } catch {
    // Missing or half-written: no running service to ask.
  }
  return undefined;
}

/** Readable by the owner only from the first byte: written beside, then renamed in. */
function writePrivate(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  const partial = `${file}.${process.pid}.partial`;
  writeFileSync(partial, text, { mode: 0o600 });
  renameSync(partial, file);
}
