/** An archive line may be this long; longer lines are rejected without being read whole. */
export const ARCHIVE_LINE_MAX_BYTES = 1024 * 1024;

export interface ArchiveLine {
  /** 1-based. */
  line: number;
  /** Undefined for a line over ARCHIVE_LINE_MAX_BYTES. */
  text: string | undefined;
  /** Bytes of the input read up to the end of this line. */
  bytesRead: number;
}

/** Splits a byte stream into lines, holding at most one line of ARCHIVE_LINE_MAX_BYTES. */
export async function* archiveLines(
  input: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  maxBytes = ARCHIVE_LINE_MAX_BYTES,
): AsyncGenerator<ArchiveLine> {
  let parts: Buffer[] = [];
  let length = 0;
  let tooLong = false;
  let line = 0;
  let bytesRead = 0;
  const finish = (): ArchiveLine => {
    const text = tooLong ? undefined : Buffer.concat(parts, length).toString('utf8');
    parts = [];
    length = 0;
    tooLong = false;
    return { line: ++line, text: text?.endsWith('\r') ? text.slice(0, -1) : text, bytesRead };
  };
  for await (const chunk of input) {
    const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let start = 0;
    for (let end = bytes.indexOf(10); ; end = bytes.indexOf(10, start)) {
      const piece = bytes.subarray(start, end === -1 ? bytes.length : end);
      if (!tooLong && length + piece.length > maxBytes) {
        tooLong = true;
        parts = [];
      }
      if (!tooLong) {
        parts.push(Buffer.from(piece));
        length += piece.length;
      }
      if (end === -1) {
        bytesRead += bytes.length - start;
        break;
      }
      bytesRead += end + 1 - start;
      start = end + 1;
      yield finish();
    }
  }
  if (length > 0 || tooLong) yield finish();
}

/** The ArticleRecord of proto/article-import.proto, as an archive line names its fields. */
export interface ArticleRecord {
  line: number;
  commandId: string;
  articleId?: string;
  authorId: string;
  title: string;
  body: string;
  category: string;
  published: boolean;
  expectedVersion?: number;
}

export interface LineRejection {
  line: number;
  code: string;
  /** The line's key at fault; empty when not one key's. */
  field: string;
  reason: string;
}

const TEXT_FIELDS = {
  command_id: 'commandId',
  article_id: 'articleId',
  author_id: 'authorId',
  title: 'title',
  body: 'body',
  category: 'category',
} as const;
const KNOWN = new Set([...Object.keys(TEXT_FIELDS), 'published', 'expected_version']);

/**
 * Only the shape is checked here (JSON, known keys, their types); what the values may be is
 * the articles service's to decide, by the same rules as its single commands.
 */
export function parseArchiveLine(
  line: number,
  text: string | undefined,
  maxBytes = ARCHIVE_LINE_MAX_BYTES,
): ArticleRecord | LineRejection {
  const reject = (reason: string, field = ''): LineRejection => ({
    line,
    code: 'INVALID_ARGUMENT',
    field,
    reason,
  });
  if (text === undefined) return reject(`line is longer than ${maxBytes} bytes`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return reject(`malformed JSON: ${(err as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return reject('a line must be one JSON object');
  }
  const object = value as Record<string, unknown>;
  for (const key of Object.keys(object)) {
    if (!KNOWN.has(key)) return reject(`unknown field "${key}"`, key);
  }
  const record: Partial<Record<(typeof TEXT_FIELDS)[keyof typeof TEXT_FIELDS], string>> = {};
  for (const [key, name] of Object.entries(TEXT_FIELDS)) {
    const field = object[key];
    if (field === undefined) continue;
    if (typeof field !== 'string') return reject(`${key} must be a string`, key);
    record[name] = field;
  }
  const published = object['published'] ?? false;
  if (typeof published !== 'boolean') return reject('published must be true or false', 'published');
  const expected = object['expected_version'];
  if (expected !== undefined && !(Number.isSafeInteger(expected) && (expected as number) >= 0)) {
    return reject('expected_version must be a non-negative integer', 'expected_version');
  }
  return {
    line,
    commandId: record.commandId ?? '',
    ...(record.articleId !== undefined && { articleId: record.articleId }),
    authorId: record.authorId ?? '',
    title: record.title ?? '',
    body: record.body ?? '',
    category: record.category ?? '',
    published,
    ...(expected !== undefined && { expectedVersion: expected as number }),
  };
}

export const isRejection = (parsed: ArticleRecord | LineRejection): parsed is LineRejection =>
  'reason' in parsed;
