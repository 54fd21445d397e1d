import { ValidationError } from './errors.js';

export const ID_MAX = 100;
export const TITLE_MAX = 200;
export const BODY_MAX = 100_000;
export const NAME_MAX = 100;
export const REASON_MAX = 1_000;
export const CATEGORY_MAX = 40;
const CATEGORY_PATTERN = /^[a-z][a-z0-9-]{0,39}$/;

// Under the `u` flag a surrogate pair is one code point outside Cs, so only a lone one matches.
const LONE_SURROGATE = /\p{Surrogate}/u;
// Invisible or blank in an id, and dropped or changed by XML and by people copying them.
const NOT_IN_ID = /[\p{Cc}\p{Cf}\p{White_Space}\p{Noncharacter_Code_Point}]/u;

/** Checked, never trimmed: README, "Ids and text". */
export function validId(field: string, value: string | undefined): string {
  if (value === undefined || value === '') {
    throw new ValidationError(`${field} is required`, field);
  }
  if (value.length > ID_MAX) {
    throw new ValidationError(`${field} is longer than ${ID_MAX} characters`, field);
  }
  wellFormed(field, value);
  const found = NOT_IN_ID.exec(value);
  if (found) {
    throw new ValidationError(
      `${field} must not contain whitespace, control or invisible characters ` +
        `(${codePoint(found[0])} at index ${found.index})`,
      field,
    );
  }
  return value;
}

/** `max` in UTF-16 code units, after trimming. */
export function requiredText(field: string, value: string | undefined, max: number): string {
  const text = value?.trim() ?? '';
  if (text === '') throw new ValidationError(`${field} is required`, field);
  if (text.length > max) {
    throw new ValidationError(`${field} is longer than ${max} characters`, field);
  }
  wellFormed(field, text);
  return text;
}

export function validCategory(value: string | undefined): string {
  const text = requiredText('category', value, CATEGORY_MAX);
  if (!CATEGORY_PATTERN.test(text)) {
    throw new ValidationError(
      `category "${text}" must be lowercase letters, digits and dashes, starting with a letter`,
      'category',
    );
  }
  return text;
}

/** Stored, a lone surrogate would come back as U+FFFD. */
function wellFormed(field: string, value: string): void {
  const found = LONE_SURROGATE.exec(value);
  if (found) {
    throw new ValidationError(
      `${field} is not well-formed Unicode (lone surrogate ${codePoint(found[0])} at index ${found.index})`,
      field,
    );
  }
}

const codePoint = (char: string) =>
  `U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
