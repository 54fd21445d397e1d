import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { loadProto } from '@fairflax/publishing-api';
import {
  archiveLines,
  isRejection,
  parseArchiveLine,
  type ArticleRecord,
  type LineRejection,
} from './archive-records.js';

const PROTO_PATH = fileURLToPath(new URL('../../../proto/article-import.proto', import.meta.url));

interface ImportPackage {
  fairflax: { publishing: { v1: { ArticleImport: grpc.ServiceClientConstructor } } };
}

const ArticleImport = (loadProto(PROTO_PATH) as unknown as ImportPackage).fairflax.publishing.v1
  .ArticleImport;

/** Below the service's own limit per call (100,000 records). */
export const RECORDS_PER_CALL = 50_000;

export interface ImportProgress {
  lines: number;
  bytesRead: number;
}

export interface ImportResult {
  lines: number;
  imported: number;
  duplicates: number;
  rejected: number;
  /** In line order; the service lists at most its first 1,000 per call. */
  rejections: LineRejection[];
  events: number;
  /** Of the last event stored (0: none): read it back with X-Min-Position. */
  lastPosition: number;
}

interface WireSummary {
  imported?: string;
  duplicates?: string;
  rejected?: string;
  rejections?: { line?: string; code?: string; field?: string; reason?: string }[];
  events?: string;
  lastPosition?: string;
}

/**
 * Streams an NDJSON archive to articles' ImportArticles, RECORDS_PER_CALL records a call.
 * Lines that are not a record are rejected here, the rest by the service; both go on.
 */
export async function importArchive(options: {
  address: string;
  input: AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
  onProgress?: (progress: ImportProgress) => void;
  recordsPerCall?: number;
}): Promise<ImportResult> {
  const client = new ArticleImport(options.address, grpc.credentials.createInsecure());
  const perCall = options.recordsPerCall ?? RECORDS_PER_CALL;
  const result: ImportResult = {
    lines: 0,
    imported: 0,
    duplicates: 0,
    rejected: 0,
    rejections: [],
    events: 0,
    lastPosition: 0,
  };
  const reject = (rejection: LineRejection) => {
    result.rejected++;
    result.rejections.push(rejection);
  };
  let call: ReturnType<typeof openCall> | undefined;
  let inCall = 0;
  const finishCall = async () => {
    if (!call) return;
    call.stream.end();
    add(result, await call.summary);
    call = undefined;
    inCall = 0;
  };
  try {
    for await (const { line, text, bytesRead } of archiveLines(options.input)) {
      result.lines = line;
      options.onProgress?.({ lines: line, bytesRead });
      if (text !== undefined && text.trim() === '') continue;
      const parsed = parseArchiveLine(line, text);
      if (isRejection(parsed)) {
        reject(parsed);
        continue;
      }
      call ??= openCall(client);
      if (!call.stream.write(toWire(parsed))) await call.drained();
      if (++inCall === perCall) await finishCall();
    }
    await finishCall();
  } finally {
    call?.stream.cancel();
    client.close();
  }
  result.rejections.sort((a, b) => a.line - b.line);
  return result;
}

function openCall(client: grpc.Client) {
  let stream!: grpc.ClientWritableStream<object>;
  const summary = new Promise<WireSummary>((resolve, reject) => {
    const start = (client as unknown as Record<string, unknown>)['importArticles'] as (
      cb: (err: grpc.ServiceError | null, res?: WireSummary) => void,
    ) => grpc.ClientWritableStream<object>;
    stream = start.call(client, (err, res) => (err ? reject(err) : resolve(res ?? {})));
  });
  // A failed call ends the import; until it is awaited, its rejection is noted here.
  summary.catch(() => undefined);
  const drained = () =>
    Promise.race([once(stream, 'drain'), summary.then(() => Promise.reject(new Error('ended')))]);
  return { stream, summary, drained };
}

function toWire(record: ArticleRecord): object {
  return {
    ...record,
    line: String(record.line),
    ...(record.expectedVersion !== undefined && {
      expectedVersion: String(record.expectedVersion),
    }),
  };
}

function add(result: ImportResult, summary: WireSummary): void {
  result.imported += Number(summary.imported ?? 0);
  result.duplicates += Number(summary.duplicates ?? 0);
  result.rejected += Number(summary.rejected ?? 0);
  result.events += Number(summary.events ?? 0);
  result.lastPosition = Math.max(result.lastPosition, Number(summary.lastPosition ?? 0));
  for (const r of summary.rejections ?? []) {
    result.rejections.push({
      line: Number(r.line ?? 0),
      code: r.code ?? '',
      field: r.field ?? '',
      reason: r.reason ?? '',
    });
  }
}
