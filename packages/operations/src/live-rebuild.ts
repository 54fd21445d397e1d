import type { FollowedSource } from '@fairflax/event-store';
import type { Database, ProjectionRunner } from '@fairflax/projections';
import type { EnvReader, Logger } from '@fairflax/service-kit';
import { withSilenceTimeout } from './silence-timeout.js';

/** The running service as a live rebuild sees it (read-service's `ServedReadModel`). */
export interface LiveReadModel {
  service: string;
  env: EnvReader;
  logger: Logger;
  live(): { path: string; runner: ProjectionRunner };
  standby(path: string): Promise<StandbyFile>;
  openRebuildSource(): Promise<FollowedSource>;
  pauseFollowing(): Promise<void>;
  resumeFollowing(): void;
  swapTo(standby: StandbyFile): { retired: Promise<void> };
}

export interface StandbyFile {
  file: { path: string; db: Database; runner: ProjectionRunner };
  discard(): Promise<void>;
}

export interface LiveRebuildProgress {
  /** The rebuilt file's position, and the live one's (or the rebuilt one's, once ahead). */
  position: number;
  head: number;
  events: number;
  elapsedMs: number;
}

export interface LiveRebuildOptions {
  /** Where the rebuilt file goes: beside the live one, under a name of its own. */
  path: string;
  /** The rebuild fails once the log stays silent this long while the live file is ahead. */
  timeoutMs: number;
  signal: AbortSignal;
  onProgress(progress: LiveRebuildProgress): void;
  /** Once the rebuilt file has everything the live one has, before it is served. */
  beforeSwap(): void;
  checkEveryMs?: number;
}

/**
 * Replays the log into `path` through a source of its own while the live file keeps serving and
 * following. Once the new file has reached every position of the live one, the live follower
 * pauses (after its batch commits), the new file catches up with what that batch held, and the
 * service swaps to it, following on from the new file's own stored positions: nothing is applied
 * twice or lost. It resolves at the swap; `retired`, once the old file's requests are done. Any failure before the swap discards the new file and resumes the live one.
 */
export async function rebuildWhileServing(
  model: LiveReadModel,
  options: LiveRebuildOptions,
): Promise<LiveRebuildProgress & { retired: Promise<void> }> {
  const standby = await model.standby(options.path);
  const rebuilt = standby.file.runner;
  const started = Date.now();
  let events = 0;
  let paused = false;
  const progress = (): LiveRebuildProgress => ({
    position: rebuilt.globalPosition(),
    head: Math.max(model.live().runner.globalPosition(), rebuilt.globalPosition()),
    events,
    elapsedMs: Date.now() - started,
  });
  const caughtUp = () => {
    for (const [source, position] of model.live().runner.positions()) {
      if (rebuilt.position(source) < position) return false;
    }
    return true;
  };
  try {
    const source = await model.openRebuildSource();
    try {
      await applyUntil(
        source,
        rebuilt,
        options,
        async () => {
          options.onProgress(progress());
          if (!caughtUp()) return false;
          if (!paused) {
            await model.pauseFollowing();
            paused = true;
          }
          return caughtUp();
        },
        (applied) => (events += applied),
      );
    } finally {
      await source.close();
    }
    options.beforeSwap();
  } catch (err) {
    if (paused) model.resumeFollowing();
    await standby.discard();
    throw err;
  }
  const { retired } = model.swapTo(standby);
  return { ...progress(), retired };
}

/** Applies batches until `done()` says so, checking after each batch and while none comes. */
async function applyUntil(
  source: FollowedSource,
  runner: ProjectionRunner,
  { timeoutMs, signal, checkEveryMs = 250 }: LiveRebuildOptions,
  done: () => Promise<boolean>,
  onApplied: (applied: number) => void,
): Promise<void> {
  const stop = new AbortController();
  const batches = withSilenceTimeout(source, {
    timeoutMs,
    giveUp: (waitedMs) =>
      new Error(
        `no answer from the articles log for ${Math.round(waitedMs / 1000)} s (REBUILD_TIMEOUT)` +
          describeSource(source),
      ),
  }).batches(
    (s) => runner.position(s),
    stop.signal,
    (s) => runner.offset(s),
  );
  const iterator = batches[Symbol.asyncIterator]();
  try {
    let next = iterator.next();
    for (;;) {
      const tick = new Promise<undefined>((resolve) =>
        setTimeout(() => resolve(undefined), checkEveryMs),
      );
      const got = await Promise.race([next, tick]);
      if (signal.aborted) throw new Error('abandoned: the service is stopping');
      if (got !== undefined) {
        if (got.done) throw new Error('the articles log ended');
        onApplied(runner.applyBatch(got.value).applied);
        next = iterator.next();
      }
      if (await done()) return;
    }
  } finally {
    stop.abort();
    void Promise.resolve(iterator.return?.()).catch(() => undefined);
  }
}

function describeSource(source: FollowedSource): string {
  const { lastError } = source.status() as { lastError?: string };
  // grpc-js appends an empty "Resolution note: " to its connection errors.
  return lastError ? `: ${lastError.replace(/\.? Resolution note: *$/, '')}` : '';
}
