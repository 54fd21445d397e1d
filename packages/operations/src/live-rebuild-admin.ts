import { readdirSync, realpathSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { dataPath, sendProblem } from '@fairflax/service-kit';
import type { FastifyInstance } from 'fastify';
import type { AdminFeature } from './admin-port.js';
import {
  rebuildWhileServing,
  type LiveReadModel,
  type LiveRebuildProgress,
} from './live-rebuild.js';

export type LiveRebuildState = 'idle' | 'rebuilding' | 'done' | 'failed';

/** What `GET /rebuild` answers: the latest rebuild of this service since it started. */
export interface LiveRebuildStatus extends LiveRebuildProgress {
  /** Changes with every rebuild started, so a caller can tell its own from an earlier one. */
  id: number;
  state: LiveRebuildState;
  eventsPerSecond: number;
  /** The file it rebuilds into (and, once done, serves). */
  file?: string;
  error?: string;
}

export const REBUILD_PATH = '/rebuild';

/**
 * `POST /rebuild` starts a rebuild of the read model while the service serves (202), or answers
 * 409 while one runs; `GET /rebuild` tells how far it got. One at a time per service, so its cost
 * is one more source and one more file; polling reads a few numbers.
 */
export function liveRebuild(model: LiveReadModel): AdminFeature {
  const { service, env, logger } = model;
  const timeoutMs = env.int('REBUILD_TIMEOUT', 30, { min: 1, max: 86_400 }) * 1000;
  const canonical = dataPath(env, `${service}.sqlite`);
  let status: LiveRebuildStatus = {
    id: 0,
    state: 'idle',
    position: 0,
    head: 0,
    events: 0,
    elapsedMs: 0,
    eventsPerSecond: 0,
  };
  let running: Promise<void> | undefined;
  const abandon = new AbortController();

  const start = (): LiveRebuildStatus => {
    const id = status.id + 1;
    const path = join(dirname(canonical), `${service}.rebuilt-${fileStamp()}.sqlite`);
    const update = (p: LiveRebuildProgress, state: LiveRebuildState = 'rebuilding') => {
      const eventsPerSecond = p.elapsedMs > 0 ? Math.round((p.events / p.elapsedMs) * 1000) : 0;
      status = { id, state, ...p, eventsPerSecond, file: path };
    };
    update({ position: 0, head: model.live().runner.globalPosition(), events: 0, elapsedMs: 0 });
    const previous = realpathSync(model.live().path);
    removeLeftovers(canonical, previous);
    logger.info({ file: path }, `${service}: rebuilding the read model while serving`);
    running = rebuildWhileServing(model, {
      path,
      timeoutMs,
      signal: abandon.signal,
      onProgress: (p) => update(p),
      // The name the service, its commands and a restart open is the new file's from here on.
      beforeSwap: () => pointAt(canonical, path),
    })
      .then(
        async ({ retired, ...done }) => {
          update(done, 'done');
          logger.info(
            { file: path, events: done.events },
            `${service}: now serving the rebuilt read model`,
          );
          // The old file goes once its last requests are answered.
          await retired;
          removeDatabase(previous === canonical ? undefined : previous, canonical);
        },
        (err: unknown) => {
          if (!servedFrom(canonical, path)) removeDatabase(path);
          status = {
            ...status,
            state: 'failed',
            error: err instanceof Error ? err.message : String(err),
          };
          logger.error(
            { err, file: path },
            `${service}: rebuild failed; the live read model is unchanged`,
          );
        },
      )
      .finally(() => {
        running = undefined;
      });
    return status;
  };

  return (app: FastifyInstance) => {
    app.post(REBUILD_PATH, (_request, reply) => {
      if (running) {
        const { position, head, state } = status;
        const why =
          state === 'done'
            ? 'the file it replaced is still answering its last requests'
            : `a rebuild of ${service} is already running (${position}/${head})`;
        return sendProblem(
          reply,
          409,
          'Conflict',
          `${why}; one at a time: follow it with GET ${REBUILD_PATH}`,
        );
      }
      return reply.code(202).send(start());
    });
    app.get(REBUILD_PATH, () => status);
    return {
      close: async () => {
        abandon.abort();
        await running;
      },
    };
  };
}

/** `rss.sqlite` becomes a link to the rebuilt file, atomically: a crash leaves one or the other. */
function pointAt(canonical: string, target: string): void {
  const link = `${canonical}.link-${process.pid}`;
  rmSync(link, { force: true });
  symlinkSync(basename(target), link);
  renameSync(link, canonical);
}

function servedFrom(canonical: string, path: string): boolean {
  try {
    return realpathSync(canonical) === realpathSync(path);
  } catch {
    return false;
  }
}

/** The log files of a database opened as `canonical` stay behind it once it is replaced. */
function removeDatabase(file: string | undefined, canonical?: string): void {
  if (file) for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
  if (canonical) for (const suffix of ['-wal', '-shm']) rmSync(canonical + suffix, { force: true });
}

/** Files of rebuilds a crash interrupted: anything rebuilt that is not the live file. */
function removeLeftovers(canonical: string, live: string): void {
  const dir = dirname(canonical);
  const prefix = `${basename(canonical, '.sqlite')}.rebuilt-`;
  for (const name of readdirSync(dir)) {
    if (name.startsWith(prefix) && !name.startsWith(basename(live)))
      rmSync(join(dir, name), { force: true });
  }
}

const fileStamp = () => new Date().toISOString().replace(/[-:.]/g, '');
