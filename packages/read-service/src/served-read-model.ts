import type { FollowedSource } from '@fairflax/event-store';
import type { EnvReader, Logger } from '@fairflax/service-kit';
import type { FollowingLog, ReadModelFile, ReadSide } from './read-side.js';
import type { ServedApp, Serving } from './serving.js';

/** A file opened beside the live one, with an app over it, neither serving nor following yet. */
export interface StandbyReadModel {
  file: ReadModelFile;
  discard(): Promise<void>;
}

/**
 * What a running read service lets its admin port (`admin.ts`) do to the read model it serves.
 * Requests already under way finish on the file they started with.
 */
export interface ServedReadModel {
  service: string;
  env: EnvReader;
  logger: Logger;
  live(): ReadModelFile;
  /** Opens `path` beside the live file, with this build's extensions and an app over it. */
  standby(path: string): Promise<StandbyReadModel>;
  openRebuildSource(): Promise<FollowedSource>;
  pauseFollowing(): Promise<void>;
  resumeFollowing(): void;
  /**
   * Answers new requests from `standby` and follows the log into it from its own stored positions
   * (pause first); `retired` resolves once the previous file's requests are done and it is closed.
   */
  swapTo(standby: StandbyReadModel): { retired: Promise<void> };
}

export function servedReadModel(parts: {
  name: string;
  env: EnvReader;
  logger: Logger;
  side: ReadSide;
  log: FollowingLog;
  serving: Serving;
  serve: (file: ReadModelFile) => Promise<ServedApp>;
}): ServedReadModel {
  const { side, log, serving, serve } = parts;
  const served = new WeakMap<StandbyReadModel, ServedApp>();
  let live: ReadModelFile = side;
  return {
    service: parts.name,
    env: parts.env,
    logger: parts.logger,
    live: () => live,
    standby: async (path) => {
      const file = side.openFile(path);
      let app: ServedApp;
      try {
        app = await serve(file);
      } catch (err) {
        file.db.close();
        throw err;
      }
      await app.app.ready();
      const standby = { file, discard: () => app.close() };
      served.set(standby, app);
      return standby;
    },
    openRebuildSource: () => side.openRebuildSource(),
    pauseFollowing: () => log.pause(),
    resumeFollowing: () => log.resume(live),
    swapTo: (standby) => {
      const app = served.get(standby);
      if (!app) throw new Error('not a standby of this read model');
      live = standby.file;
      const swapped = serving.swap(app);
      log.resume(live);
      return swapped;
    },
  };
}
