import { ValidationError } from './errors.js';

export const TITLE_MAX = 200;
export const BODY_MAX = 100_000;
export const NAME_MAX = 100;
export const REASON_MAX = 1_000;
const CATEGORY_PATTERN = /^[a-z][a-z0-9-]{0,39}$/;

export function requiredText(field: string, value: string | undefined, max: number): string {
  const text = value?.trim() ?? '';
  if (text === '') throw new ValidationError(`${field} is required`);
  if (text.length > max) throw new ValidationError(`${field} is longer than ${max} characters`);
  return text;
}

export function validCategory(value: string | undefined): string {
  const text = requiredText('category', value, 40);
  if (!CATEGORY_PATTERN.test(text)) {
    throw new ValidationError(
      `category "${text}" must be lowercase letters, digits and dashes, starting with a letter`,
    );
  }
  return text;
}
