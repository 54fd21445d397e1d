import { badUserInput } from './errors.js';
import type { PagePosition } from './read-model.js';

export const MAX_COUNT = 50;

/** So that one request cannot ask for the whole read model. */
export function checkCount(count: number | null | undefined, fallback = 10): number {
  const value = count ?? fallback;
  if (!Number.isInteger(value) || value < 1 || value > MAX_COUNT) {
    throw badUserInput(`count must be from 1 to ${MAX_COUNT}, got ${value}`);
  }
  return value;
}

/** (sort time, id) of a page's last article: rows inserted meanwhile never shift a page. */
export function encodeCursor({ time, id }: PagePosition): string {
  return Buffer.from(JSON.stringify([time, id]), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): PagePosition {
  const malformed = () => badUserInput('after is not a cursor this API handed out');
  // Node's base64url decoder skips characters it does not know; a strict round trip does not.
  const bytes = Buffer.from(cursor, 'base64url');
  if (cursor === '' || bytes.toString('base64url') !== cursor) throw malformed();
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw malformed();
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 2 ||
    typeof parsed[0] !== 'string' ||
    typeof parsed[1] !== 'string' ||
    Number.isNaN(Date.parse(parsed[0]))
  ) {
    throw malformed();
  }
  return { time: parsed[0], id: parsed[1] };
}
