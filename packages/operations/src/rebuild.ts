import { existsSync, lstatSync, realpathSync, renameSync, rmSync } from 'node:fs';
import {
  openReadModel,
  ProjectionRunner,
  type EventSource,
  type Projection,
} from '@fairflax/projections';
import { DeadLetterParking } from './dead-letters.js';

export interface RebuildProgress {
  position: number;
  head: number;
  events: number;
  parked: number;
  elapsedMs: number;
}

export interface RebuildOptions {
  dbPath: string;
  projection: Projection;
  source: EventSource;
  /** The source's first batch (empty if need be) must tell the head, or an empty log waits. */
  headPosition: () => number;
  onProgress?: (progress: RebuildProgress) => void;
}

/**
 * Into a new file, renamed over the old one: stop the service first, it holds the old one open.
 * A source that fails (or is made to give up) leaves the old file untouched.
 */
export async function rebuildReadModel(options: RebuildOptions): Promise<RebuildProgress> {
  const { dbPath, projection, source, headPosition, onProgress } = options;
  const tmpPath = `${dbPath}.rebuild`;
  for (const suffix of ['', '-wal', '-shm']) rmSync(tmpPath + suffix, { force: true });
  const db = openReadModel(tmpPath);
  // Nobody reads it before the rename, and a crash leaves a file to delete: fsync once, below.
  db.pragma('synchronous = OFF');
  let parked = 0;
  const parking = new DeadLetterParking(projection.name, {
    onParked: (letters) => (parked += letters.length),
  });
  const runner = new ProjectionRunner(db, projection, { middleware: [parking] });
  const started = Date.now();
  let events = 0;
  const progress = (): RebuildProgress => ({
    position: runner.globalPosition(),
    head: headPosition(),
    events,
    parked,
    elapsedMs: Date.now() - started,
  });
  const controller = new AbortController();
  try {
    for await (const batch of source.batches(
      (s) => runner.position(s),
      controller.signal,
      (s) => runner.offset(s),
    )) {
      events += runner.applyBatch(batch).applied;
      onProgress?.(progress());
      if (runner.globalPosition() >= headPosition()) break;
    }
  } catch (err) {
    // A failed rebuild leaves the old read model as it was, and no half-built copy behind.
    db.close();
    for (const suffix of ['', '-wal', '-shm']) rmSync(tmpPath + suffix, { force: true });
    throw err;
  } finally {
    controller.abort();
  }
  db.pragma('synchronous = FULL');
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  // After a live rebuild the path is a link to the file the service swapped to: it goes too.
  const linked =
    existsSync(dbPath) && lstatSync(dbPath).isSymbolicLink() ? realpathSync(dbPath) : undefined;
  for (const suffix of ['-wal', '-shm']) rmSync(dbPath + suffix, { force: true });
  if (existsSync(dbPath)) rmSync(dbPath);
  renameSync(tmpPath, dbPath);
  for (const suffix of ['-wal', '-shm']) rmSync(tmpPath + suffix, { force: true });
  if (linked) for (const suffix of ['', '-wal', '-shm']) rmSync(linked + suffix, { force: true });
  return progress();
}

/** `[#######.....]  58%  58000/100000 events  41k/s` */
export function formatProgress(
  { position, head, events, elapsedMs }: Omit<RebuildProgress, 'parked'>,
  width = 30,
): string {
  const ratio = head === 0 ? 1 : Math.min(position / head, 1);
  const filled = Math.round(ratio * width);
  const rate = elapsedMs > 0 ? Math.round((events / elapsedMs) * 1000) : 0;
  return (
    `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.floor(ratio * 100)).padStart(3)}%  ` +
    `${position}/${head} events  ${rate}/s`
  );
}
