import { describe, expect, it } from 'vitest';
import { archiveLines, parseArchiveLine } from './archive-records.js';

async function collect(chunks: string[], maxBytes?: number) {
  const input = chunks.map((chunk) => Buffer.from(chunk));
  const lines = [];
  for await (const line of archiveLines(input, maxBytes)) lines.push(line);
  return lines;
}

describe('archiveLines', () => {
  it('numbers lines across chunk boundaries, drops CR before LF and keeps a last line without LF', async () => {
    expect(await collect(['{"a"', ':1}\r\n\n{"b":', '2}'])).toEqual([
      { line: 1, text: '{"a":1}', bytesRead: 9 },
      { line: 2, text: '', bytesRead: 10 },
      { line: 3, text: '{"b":2}', bytesRead: 17 },
    ]);
  });

  it('marks a line over the limit without keeping it, and goes on with the next', async () => {
    const lines = await collect(['12345', '6789\nok\n'], 8);
    expect(lines.map(({ line, text }) => [line, text])).toEqual([
      [1, undefined],
      [2, 'ok'],
    ]);
  });

  it('keeps multi-byte characters split between chunks', async () => {
    const bytes = Buffer.from('"Sofía"\n');
    const input = [bytes.subarray(0, 5), bytes.subarray(5)];
    const lines = [];
    for await (const line of archiveLines(input)) lines.push(line.text);
    expect(lines).toEqual(['"Sofía"']);
  });
});

describe('parseArchiveLine', () => {
  const good = {
    command_id: 'c1',
    author_id: 'zoe',
    title: 'T',
    body: 'B',
    category: 'business',
    published: true,
  };

  it('maps the snake_case keys onto a record, leaving what the service checks to the service', () => {
    expect(
      parseArchiveLine(3, JSON.stringify({ ...good, title: '', expected_version: 0 })),
    ).toEqual({
      line: 3,
      commandId: 'c1',
      authorId: 'zoe',
      title: '',
      body: 'B',
      category: 'business',
      published: true,
      expectedVersion: 0,
    });
  });

  it.each([
    ['{"command_id": ', '', /^malformed JSON: /],
    ['[1, 2]', '', /^a line must be one JSON object$/],
    ['null', '', /^a line must be one JSON object$/],
    [JSON.stringify({ ...good, titel: 'x' }), 'titel', /^unknown field "titel"$/],
    [JSON.stringify({ ...good, title: 7 }), 'title', /^title must be a string$/],
    [
      JSON.stringify({ ...good, published: 'yes' }),
      'published',
      /^published must be true or false$/,
    ],
    [
      JSON.stringify({ ...good, expected_version: -1 }),
      'expected_version',
      /non-negative integer$/,
    ],
    [
      JSON.stringify({ ...good, expected_version: 1.5 }),
      'expected_version',
      /non-negative integer$/,
    ],
  ])('rejects %s naming field "%s"', (text, field, reason) => {
    const rejection = parseArchiveLine(9, text);
    expect(rejection).toMatchObject({ line: 9, code: 'INVALID_ARGUMENT', field });
    expect((rejection as { reason: string }).reason).toMatch(reason);
  });

  it('rejects a line that was too long to read', () => {
    expect(parseArchiveLine(2, undefined, 8)).toEqual({
      line: 2,
      code: 'INVALID_ARGUMENT',
      field: '',
      reason: 'line is longer than 8 bytes',
    });
  });
});
