import { describe, expect, it } from 'vitest';
import { exactlyOnceAvailable, exactlyOnceFactory, processingGuaranteeOf } from './guarantee.js';

describe('the processing guarantee of a stream app', () => {
  it('defaults to exactly-once when the build has it, and accepts at-least-once', () => {
    expect(processingGuaranteeOf(undefined, true)).toBe('exactly-once');
    expect(processingGuaranteeOf('at-least-once', true)).toBe('at-least-once');
    expect(processingGuaranteeOf('exactly-once', true)).toBe('exactly-once');
  });

  it('defaults to at-least-once in a build without exactly-once, and refuses to be asked for it there', () => {
    expect(processingGuaranteeOf(undefined, false)).toBe('at-least-once');
    expect(processingGuaranteeOf('at-least-once', false)).toBe('at-least-once');
    expect(() => processingGuaranteeOf('exactly-once', false)).toThrow(
      'processingGuarantee exactly-once is not available: this build has no transactional committer',
    );
  });

  it('rejects a guarantee it does not know, naming the choices', () => {
    expect(() => processingGuaranteeOf('exactly-twice' as never, true)).toThrow(
      'processingGuarantee must be one of exactly-once, at-least-once, got "exactly-twice"',
    );
  });

  it('says exactly-once is available exactly when this build has a transactional committer', () => {
    expect(exactlyOnceAvailable()).toBe(typeof exactlyOnceFactory() === 'function');
  });
});
