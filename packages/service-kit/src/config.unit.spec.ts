import { describe, expect, it } from 'vitest';
import { ConfigError, envReader } from './config.js';

describe('envReader', () => {
  it('falls back to the default when the variable is unset or blank', () => {
    const env = envReader({ BLANK: '  ' });
    expect(env.port('RSS_PORT', 4002)).toBe(4002);
    expect(env.port('BLANK', 4003)).toBe(4003);
  });

  it('names the variable when a port is not a number', () => {
    const env = envReader({ RSS_PORT: 'http' });
    expect(() => env.port('RSS_PORT', 4002)).toThrowError(ConfigError);
    expect(() => env.port('RSS_PORT', 4002)).toThrowError(/^RSS_PORT: expected an integer/);
  });

  it('rejects a port outside 0..65535', () => {
    expect(() => envReader({ P: '70000' }).port('P', 1)).toThrowError(/from 0 to 65535, got 70000/);
  });

  it('accepts host:port addresses and rejects anything else', () => {
    expect(envReader({ A: '127.0.0.1:50051' }).address('A', 'x:1')).toBe('127.0.0.1:50051');
    expect(() => envReader({ A: 'localhost' }).address('A', 'x:1')).toThrowError(
      /A: expected host:port/,
    );
  });

  it('normalises URLs and refuses relative ones', () => {
    expect(envReader({ U: 'https://news.example/' }).url('U', 'http://x')).toBe(
      'https://news.example',
    );
    expect(() => envReader({ U: '/relative' }).url('U', 'http://x')).toThrowError(
      /U: expected an absolute URL/,
    );
  });

  it('restricts a choice to the allowed values', () => {
    expect(envReader({ T: 'kafka' }).oneOf('T', ['embedded', 'kafka'], 'embedded')).toBe('kafka');
    expect(() =>
      envReader({ T: 'carrier-pigeon' }).oneOf('T', ['embedded'], 'embedded'),
    ).toThrowError(/T: expected one of embedded, got "carrier-pigeon"/);
  });
});
