import { randomUUID } from 'node:crypto';
import { SEED_ARTICLES, SEED_AUTHORS } from '@fairflax/newsroom-seed';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from './errors.js';
import { ID_MAX, requiredText, TITLE_MAX, validCategory, validId } from './rules.js';

const codePoints = (from: number, to: number) =>
  fc.integer({ min: from, max: to }).map((c) => String.fromCodePoint(c));

/** Characters an id may hold: visible ones from several scripts, astral ones included. */
const idChar = fc.oneof(
  codePoints(0x21, 0x7e), // printable ASCII without the space
  codePoints(0xae, 0x24f), // Latin-1 and Latin Extended, after the soft hyphen U+00AD
  codePoints(0x391, 0x3a9),
  codePoints(0x4e00, 0x9fff),
  codePoints(0x1f300, 0x1f5ff), // two UTF-16 code units each
);
/** Ids of 1 to ID_MAX code units, as arrays of characters so insertions never split a pair. */
const idChars = fc
  .array(idChar, { minLength: 1, maxLength: ID_MAX / 2 })
  .filter((chars) => chars.join('').length < ID_MAX);

/** Each kind of character no id may hold. */
const notInId = fc.oneof(
  codePoints(0x00, 0x1f), // C0 controls, tab and newlines included
  fc.constantFrom('\u007f', '\u0085', '\u009f'), // DEL and C1 controls (U+0085 is also White_Space)
  fc.constantFrom(' ', '\u00a0', '\u1680', '\u2003', '\u2028', '\u2029', '\u202f', '\u3000'),
  fc.constantFrom(
    '\u00ad',
    '\u200b',
    '\u200d',
    '\u200e',
    '\u202e',
    '\u2066',
    '\ufeff',
    '\u{e0001}',
  ),
  fc.constantFrom('\ufdd0', '\ufffe', '\uffff', '\u{1fffe}'), // noncharacters
  codePoints(0xd800, 0xdfff), // a lone surrogate
);

const refused = (run: () => unknown, field: string, message: RegExp) => {
  expect(run).toThrowError(ValidationError);
  expect(run).toThrowError(message);
  try {
    run();
  } catch (err) {
    expect(err).toMatchObject({ field });
  }
};

describe('the id grammar', () => {
  it('accepts any id of allowed characters within the limit and returns it unchanged', () =>
    fc.assert(
      fc.property(idChars, (chars) => {
        const id = chars.join('');
        expect(validId('article_id', id)).toBe(id);
      }),
    ));

  it('refuses an id with one control, format, whitespace, noncharacter or lone surrogate anywhere', () =>
    fc.assert(
      fc.property(idChars, notInId, fc.nat(), (chars, bad, at) => {
        const id = chars.toSpliced(at % (chars.length + 1), 0, bad).join('');
        refused(
          () => validId('author_id', id),
          'author_id',
          /^author_id (must not contain whitespace, control or invisible|is not well-formed)/,
        );
      }),
    ));

  it('refuses an id over ID_MAX UTF-16 code units, however long', () =>
    fc.assert(
      fc.property(fc.integer({ min: ID_MAX + 1, max: 10_240 }), (length) =>
        refused(() => validId('command_id', 'x'.repeat(length)), 'command_id', /longer than 100/),
      ),
    ));

  it('counts UTF-16 code units: 50 astral characters fit, 51 do not', () => {
    expect(validId('article_id', '😀'.repeat(50))).toHaveLength(ID_MAX);
    refused(() => validId('article_id', '😀'.repeat(51)), 'article_id', /longer than 100/);
  });

  it('refuses an empty id, and one with surrounding whitespace instead of trimming it', () => {
    refused(() => validId('article_id', ''), 'article_id', /article_id is required/);
    refused(() => validId('article_id', undefined), 'article_id', /article_id is required/);
    for (const id of [' a1', 'a1 ', '\ta1', 'a1\n', '\u3000a1'])
      refused(() => validId('article_id', id), 'article_id', /whitespace/);
  });

  it('tells apart ids that a feed would once have shown alike', () => {
    expect(validId('article_id', 'xy')).toBe('xy');
    refused(() => validId('article_id', 'x\u0007y'), 'article_id', /U\+0007 at index 1/);
    refused(() => validId('article_id', 'x\uffffy'), 'article_id', /U\+FFFF at index 1/);
  });

  it('accepts the generated ids and every sample id', () => {
    const ids = [
      randomUUID(),
      ...SEED_AUTHORS.map((a) => a.id),
      ...SEED_ARTICLES.flatMap((a) => [a.id, `seed:${a.id}:draft`, `seed:${a.id}:publish`]),
    ];
    for (const id of ids) expect(validId('article_id', id)).toBe(id);
  });
});

describe('text rules', () => {
  /** Any well-formed text, controls and whitespace included: text is kept, only trimmed. */
  const text = fc
    .string({ unit: 'binary', minLength: 1, maxLength: 100 })
    .filter((s) => s.trim() !== '');

  it('accept well-formed text trimmed and refuse it once a lone surrogate is in it', () =>
    fc.assert(
      fc.property(text, codePoints(0xd800, 0xdfff), fc.nat(), (value, surrogate, at) => {
        expect(requiredText('title', value, TITLE_MAX)).toBe(value.trim());
        const chars = [...value];
        const broken = chars.toSpliced(at % (chars.length + 1), 0, surrogate).join('');
        refused(() => requiredText('title', broken, TITLE_MAX), 'title', /not well-formed/);
      }),
    ));

  it.each(['body', 'reason', 'name'])('refuse a lone surrogate in a %s, naming it', (field) =>
    refused(
      () => requiredText(field, 'ok \ud800 ok', 1_000),
      field,
      new RegExp(`^${field} is not well-formed Unicode \\(lone surrogate U\\+D800 at index 3\\)`),
    ),
  );

  it('refuse a category with a lone surrogate as ill-formed, and name the field', () => {
    refused(() => validCategory('news\udc00'), 'category', /category is not well-formed/);
    refused(() => validCategory('Hot News!'), 'category', /lowercase/);
  });

  it('name the field when text is blank or too long', () => {
    refused(() => requiredText('title', ' \n ', TITLE_MAX), 'title', /title is required/);
    refused(() => requiredText('title', 'x'.repeat(201), TITLE_MAX), 'title', /longer than 200/);
  });
});
