import {
  ARTICLE_STATUSES,
  statusFromWire,
  type ArticleStatus,
} from '@fairflax/coupled-publishing-api';

/** A request that can never succeed as sent; maps to gRPC INVALID_ARGUMENT. */
export class ValidationError extends Error {
  override readonly name = 'ValidationError';
}

/** The thing asked for does not exist; maps to gRPC NOT_FOUND. */
export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
}

export const TITLE_MAX = 200;
export const BODY_MAX = 100_000;
export const COUNT_DEFAULT = 10;
export const COUNT_MAX = 50;
const CATEGORY_PATTERN = /^[a-z][a-z0-9-]{0,39}$/;

export function requiredText(field: string, value: unknown, max: number): string {
  const text = typeof value === 'string' ? value.trim() : '';
  if (text === '') throw new ValidationError(`${field} is required`);
  if (text.length > max) throw new ValidationError(`${field} is longer than ${max} characters`);
  return text;
}

export function category(value: unknown): string {
  const text = requiredText('category', value, 40);
  if (!CATEGORY_PATTERN.test(text)) {
    throw new ValidationError(
      `category "${text}" must be lowercase letters, digits and dashes, starting with a letter`,
    );
  }
  return text;
}

/** Undefined stays undefined (field not set); anything set must be a known status. */
export function optionalStatus(value: unknown): ArticleStatus | undefined {
  if (value === undefined || value === null) return undefined;
  const status = statusFromWire(value);
  if (!status) {
    throw new ValidationError(
      `status ${JSON.stringify(value)} is unknown; expected one of ${ARTICLE_STATUSES.join(', ')}`,
    );
  }
  return status;
}

export function count(value: unknown): number {
  if (value === undefined || value === null) return COUNT_DEFAULT;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > COUNT_MAX) {
    throw new ValidationError(`count must be from 1 to ${COUNT_MAX}, got ${JSON.stringify(value)}`);
  }
  return n;
}

export function id(value: unknown): string {
  return requiredText('id', value, 100);
}
