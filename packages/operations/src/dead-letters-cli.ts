import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { openReadModel } from '@fairflax/projections';
import { listDeadLetters, requestReplay, type DeadLetter } from './dead-letter-store.js';

export interface DeadLettersCliOptions {
  service: string;
  /** The projection's name, as its checkpoints and dead letters are stored. */
  projection: string;
  defaultDbPath: string;
  /** The arguments after the command's name; `process.argv.slice(2)` unless given. */
  args?: readonly string[];
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
}

const usage = (service: string) => `usage:
  pnpm dead-letters ${service} list [--stream <id>] [--json] [--db <path>]
  pnpm dead-letters ${service} replay (--stream <id> | --all) [--db <path>]
`;

class UsageError extends Error {}

/** What `parseArgs` throws for an unknown option or a missing value. */
const isParseArgsError = (e: unknown): e is Error =>
  e instanceof Error && String((e as NodeJS.ErrnoException).code).startsWith('ERR_PARSE_ARGS');

const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

/**
 * The body of each read service's `dead-letters` command: lists the events its projection
 * parked, or asks for them to be replayed. `replay` only marks them: the running service
 * replays them between batches, through its projection and its post-commit hooks (caches,
 * search index), which a second process could not do. Safe while the service runs (WAL).
 * Returns the exit status: 2 for bad arguments, 1 when there is nothing to work on.
 */
export function runDeadLettersCli(options: DeadLettersCliOptions): number {
  const { service, projection } = options;
  const out = options.stdout ?? ((text: string) => process.stdout.write(text));
  const err = options.stderr ?? ((text: string) => process.stderr.write(text));
  let command: Command;
  try {
    command = parseCommand(options.args ?? process.argv.slice(2));
  } catch (e) {
    if (!(e instanceof UsageError) && !isParseArgsError(e)) throw e;
    err(`${service} dead-letters: ${e.message}\n${usage(service)}`);
    return 2;
  }
  if (command.name === 'help') {
    out(usage(service));
    return 0;
  }
  const dbPath = command.db ?? options.defaultDbPath;
  // openReadModel would create an empty file: a wrong path must say so instead.
  if (!existsSync(dbPath)) {
    err(
      `${service} dead-letters: no read model at ${dbPath}; pass --db <path>, or set DATA_DIR as for ${service}\n`,
    );
    return 1;
  }
  const db = openReadModel(dbPath);
  try {
    if (command.name === 'list') {
      const letters = listDeadLetters(db, {
        projection,
        ...(command.stream !== undefined && { streamId: command.stream }),
      });
      out(
        command.json ? `${JSON.stringify(letters.map(toJson), null, 2)}\n` : formatLetters(letters),
      );
      return 0;
    }
    const { events, streams } = requestReplay(db, {
      projection,
      ...(command.stream !== undefined && { streamId: command.stream }),
    });
    if (events === 0) {
      const where = command.stream === undefined ? '' : ` in stream ${command.stream}`;
      err(`${service} dead-letters: no parked events${where} to replay\n`);
      return command.stream === undefined ? 0 : 1;
    }
    out(
      `requested replay of ${plural(events, 'event')} in ${plural(streams, 'stream')}; ` +
        `the running ${service} applies them within a second\n`,
    );
    return 0;
  } finally {
    db.close();
  }
}

type Command =
  | { name: 'help' }
  | { name: 'list'; stream?: string; json: boolean; db?: string }
  | { name: 'replay'; stream?: string; db?: string };

function parseCommand(args: readonly string[]): Command {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      stream: { type: 'string' },
      all: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      db: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [name, ...extra] = positionals;
  if (values.help) return { name: 'help' };
  if (name === undefined) throw new UsageError('missing command: list or replay');
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  const shared = {
    ...(values.stream !== undefined && { stream: values.stream }),
    ...(values.db !== undefined && { db: values.db }),
  };
  if (values.stream === '') throw new UsageError('--stream needs a stream id');
  switch (name) {
    case 'list':
      if (values.all)
        throw new UsageError(
          '--all goes with replay; list shows every stream unless given --stream',
        );
      return { name, json: values.json, ...shared };
    case 'replay':
      if (values.json) throw new UsageError('--json goes with list');
      if (values.all === (values.stream !== undefined))
        throw new UsageError('replay needs either --stream <id> or --all');
      return { name, ...shared };
    default:
      throw new UsageError(`unknown command "${name}": list or replay`);
  }
}

function formatLetters(letters: readonly DeadLetter[]): string {
  if (letters.length === 0) return 'no parked events\n';
  const header = ['POSITION', 'STREAM', 'TYPE', 'REASON', 'ATTEMPTS', 'ERROR'];
  const rows = letters.map((l) => [
    String(l.event.globalPosition),
    l.event.streamId,
    l.event.type,
    l.replayRequested ? `${l.reason}*` : l.reason,
    String(l.attempts),
    l.error.replace(/\s+/g, ' '),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  // Numbers right-aligned; the error, last, is not padded.
  const line = (cells: string[]) =>
    cells
      .map((cell, i) =>
        i === cells.length - 1
          ? cell
          : i === 0 || i === 4
            ? cell.padStart(widths[i]!)
            : cell.padEnd(widths[i]!),
      )
      .join('  ');
  const streams = new Set(letters.map((l) => l.event.streamId)).size;
  const requested = letters.filter((l) => l.replayRequested).length;
  const summary =
    `${plural(letters.length, 'parked event')} in ${plural(streams, 'stream')}` +
    (requested > 0 ? `; ${requested} awaiting replay (*)` : '');
  return [line(header), ...rows.map(line), summary].join('\n') + '\n';
}

const toJson = (l: DeadLetter) => ({
  id: l.id,
  source: l.source,
  position: l.position,
  offset: l.offset ?? null,
  streamId: l.event.streamId,
  streamVersion: l.event.streamVersion,
  globalPosition: l.event.globalPosition,
  eventId: l.event.eventId,
  type: l.event.type,
  schemaVersion: l.event.schemaVersion,
  recordedAt: l.event.recordedAt,
  metadata: l.event.metadata,
  data: Buffer.from(l.event.data).toString('base64'),
  reason: l.reason,
  error: l.error,
  attempts: l.attempts,
  parkedAt: l.parkedAt,
  replayRequested: l.replayRequested,
});
