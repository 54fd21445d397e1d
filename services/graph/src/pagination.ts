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

/** `events(first)` and `Article.history(first)`: events are smaller than articles. */
export const MAX_EVENTS = 200;
export const MAX_HISTORY = 500;

export function checkFirst(
  first: number | null | undefined,
  fallback: number,
  max: number,
): number {
  const value = first ?? fallback;
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw badUserInput(`first must be from 1 to ${max}, got ${value}`, 'first');
  }
  return value;
}

/** A log position given by a client (`before`, `after`, `asOf`). */
export function checkPosition(
  position: number | null | undefined,
  name: string,
): number | undefined {
  if (position == null) return undefined;
  if (!Number.isInteger(position) || position < 0) {
    throw badUserInput(`${name} must be a log position (0 or more), got ${position}`, name);
  }
  return position;
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
