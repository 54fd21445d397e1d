import { describe, expect, it } from 'vitest';
import { checkCount, decodeCursor, encodeCursor } from './pagination.js';

describe('cursors', () => {
  it('give back the position they were made from, whatever characters the id holds', () => {
    const position = { time: '2026-03-01T09:10:00.000Z', id: 'Zürich/北京 "quoted"' };

    const cursor = encodeCursor(position);

    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor)).toEqual(position);
  });

  it('refuse a cursor that was changed by a character outside base64url', () => {
    const cursor = encodeCursor({ time: '2026-03-01T09:10:00.000Z', id: 'x1' });

    expect(() => decodeCursor(`${cursor}!`)).toThrow(/not a cursor/);
  });
});

describe('checkCount', () => {
  it('takes the default for a missing count and accepts 1 to 50', () => {
    expect(checkCount(null)).toBe(10);
    expect(checkCount(1)).toBe(1);
    expect(checkCount(50)).toBe(50);
  });

  it.each([0, -1, 51])('refuses %i with BAD_USER_INPUT', (count) => {
    expect(() => checkCount(count)).toThrow(
      expect.objectContaining({ extensions: { code: 'BAD_USER_INPUT' } }),
    );
  });
});
