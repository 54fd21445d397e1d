import { createReadStream, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import { envReader, runMain } from '@fairflax/service-kit';
import { importArchive, type ImportProgress } from './article-import.js';

const USAGE = 'usage: pnpm import-articles <file.ndjson> [--articles host:port]';
/** Rejections printed; the count covers all of them. */
const LISTED = 50;

/**
 * `pnpm import-articles <file.ndjson>`: exit code 0 when every line was imported or had been before,
 * 1 when some lines were rejected (the others are stored), 2 when the import could not go on.
 */
export async function runImportCli(options: {
  args: readonly string[];
  defaultAddress: string;
  stderr?: NodeJS.WritableStream & { isTTY?: boolean };
}): Promise<number> {
  const out = options.stderr ?? process.stderr;
  const write = (text: string) => void out.write(text);
  let parsed;
  try {
    parsed = parseArgs({
      args: [...options.args],
      allowPositionals: true,
      options: { articles: { type: 'string' } },
    });
  } catch (err) {
    write(`${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const [file, ...extra] = parsed.positionals;
  if (file === undefined || extra.length > 0) {
    write(`${USAGE}\n`);
    return 2;
  }
  let size: number;
  try {
    size = statSync(file).size;
  } catch (err) {
    write(`cannot read ${file}: ${(err as Error).message}\n`);
    return 2;
  }
  const address = parsed.values.articles ?? options.defaultAddress;
  const tty = out.isTTY === true;
  const started = Date.now();
  let shown = started;
  let barShown = false;
  const onProgress = ({ lines, bytesRead }: ImportProgress) => {
    const now = Date.now();
    if (now - shown < (tty ? 100 : 2_000)) return;
    shown = now;
    barShown = tty;
    const line = formatImportProgress(lines, bytesRead, size, now - started);
    write(tty ? `\r${line}` : `${line}\n`);
  };
  write(`importing ${file} into articles at ${address}\n`);
  try {
    const result = await importArchive({
      address,
      input: createReadStream(file),
      onProgress,
    });
    if (barShown)
      write(`\r${formatImportProgress(result.lines, size, size, Date.now() - started)}\n`);
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    write(
      `${result.lines} lines in ${seconds} s: ${result.imported} articles imported ` +
        `(${result.events} events), ${result.duplicates} imported before (nothing stored), ` +
        `${result.rejected} rejected\n`,
    );
    for (const r of result.rejections.slice(0, LISTED)) {
      write(`  line ${r.line}: ${r.code}${r.field ? ` ${r.field}` : ''}: ${r.reason}\n`);
    }
    if (result.rejected > LISTED) write(`  ... and ${result.rejected - LISTED} more\n`);
    if (result.lastPosition > 0) write(`last event stored at position ${result.lastPosition}\n`);
    return result.rejected > 0 ? 1 : 0;
  } catch (err) {
    if (barShown) write('\n');
    const grpcError = err as Partial<grpc.ServiceError>;
    const why =
      grpcError.code !== undefined
        ? `${grpc.status[grpcError.code]}: ${grpcError.details ?? ''}`
        : (err as Error).message;
    write(
      `import stopped: ${why}. Groups committed before stay stored; ` +
        `running the same file again imports the rest and skips them.\n`,
    );
    return 2;
  }
}

export function formatImportProgress(
  lines: number,
  bytesRead: number,
  size: number,
  elapsedMs: number,
  width = 30,
): string {
  const ratio = size === 0 ? 1 : Math.min(bytesRead / size, 1);
  const filled = Math.round(ratio * width);
  const rate = elapsedMs > 0 ? Math.round((lines / elapsedMs) * 1000) : 0;
  return (
    `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.floor(ratio * 100)).padStart(3)}%  ` +
    `${lines} lines  ${rate}/s`
  );
}

/** The body of `pnpm import-articles`. */
export function importMain(args = process.argv.slice(2)): void {
  runMain('import', async () => {
    const env = envReader();
    process.exitCode = await runImportCli({
      args,
      defaultAddress: env.address('ARTICLES_ADDRESS', '127.0.0.1:50051'),
    });
  });
}
