import { Writable } from 'node:stream';
import Fastify from 'fastify';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ConfigError } from './config.js';
import { httpLogging } from './http-logging.js';
import { logFormat } from './logger.js';

describe('the log format', () => {
  it('is pretty on a terminal and JSON lines otherwise, unless LOG_FORMAT says', () => {
    expect(logFormat({}, true)).toBe('pretty');
    expect(logFormat({}, false)).toBe('json');
    expect(logFormat({ LOG_FORMAT: 'json' }, true)).toBe('json');
    expect(logFormat({ LOG_FORMAT: ' pretty ' }, false)).toBe('pretty');
    expect(logFormat({ LOG_FORMAT: '' }, false)).toBe('json');
  });

  it('refuses another LOG_FORMAT, naming the variable', () => {
    expect(() => logFormat({ LOG_FORMAT: 'xml' }, false)).toThrow(ConfigError);
    expect(() => logFormat({ LOG_FORMAT: 'xml' }, false)).toThrow(/LOG_FORMAT.*json, pretty/);
  });
});

function recordingLogger(level: string) {
  const lines: { level: number; msg: string }[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as { level: number; msg: string });
      done();
    },
  });
  return { logger: pino({ level }, stream), lines };
}

async function serve(level: string) {
  const { logger, lines } = recordingLogger(level);
  const app = Fastify(httpLogging(logger));
  app.get('/feed', () => 'ok');
  app.get('/broken', () => {
    throw new Error('boom');
  });
  await app.inject('/feed');
  await app.inject('/nowhere');
  await app.inject('/broken');
  await app.close();
  return lines;
}

describe('HTTP request logging', () => {
  it('logs no line per request at info, but still the failures', async () => {
    const lines = await serve('info');
    expect(lines.map((l) => l.msg)).not.toContain('request completed');
    expect(lines.map((l) => l.msg)).not.toContain('incoming request');
    expect(lines.some((l) => l.level === 50 && l.msg === 'boom')).toBe(true);
  });

  it('logs each request at debug when LOG_LEVEL asks for debug', async () => {
    const lines = await serve('debug');
    const completed = lines.filter((l) => l.msg === 'request completed');
    expect(completed).toHaveLength(3);
    expect(completed.every((l) => l.level === 20)).toBe(true);
    expect(lines.filter((l) => l.msg === 'route not found')).toHaveLength(1);
  });

  it('logs nothing without a logger', () => {
    expect(httpLogging(undefined)).toEqual({ logger: false });
  });
});
