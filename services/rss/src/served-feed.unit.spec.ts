import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventLog, newsroomEvents } from '@fairflax/projections/testing';
import { openReadSide } from '@fairflax/read-service';
import { envReader, type Logger } from '@fairflax/service-kit';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from './app.js';
import { rssFeedProjection } from './projection.js';

const PUBLIC_URL = 'https://news.fairflax.example';
const { story } = newsroomEvents;
const quiet = { info: () => {}, warn: () => {}, error: () => {} } as unknown as Logger;

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/** rss as `startReadService` wires it (the read side's cache and hooks), without following a log. */
async function servedRss() {
  const dataDir = mkdtempSync(join(tmpdir(), 'rss-served-'));
  const side = openReadSide({
    service: 'rss',
    projection: rssFeedProjection(PUBLIC_URL),
    env: envReader({ DATA_DIR: dataDir }),
    logger: quiet,
  });
  const app: FastifyInstance = await buildApp({
    db: side.db,
    runner: side.runner,
    publicUrl: PUBLIC_URL,
  });
  side.extend(app);
  closers.push(async () => {
    await app.close();
    side.db.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const log = eventLog();
  return {
    publish: (id: string, minute: number, category = 'business') =>
      side.runner.applyBatch(log(story(id, minute, { category }))),
    position: () => side.runner.globalPosition(),
    get: (url: string, headers: Record<string, string> = {}) =>
      app.inject({ method: 'GET', url, headers }),
  };
}

const guids = (body: string) => [...body.matchAll(/<guid[^>]*>([^<]*)<\/guid>/g)].map((m) => m[1]);

describe('rss served with the read side', () => {
  it('shows a publication committed after the feed was served, on /feed and its category', async () => {
    const s = await servedRss();
    s.publish('first', 1);
    for (const url of ['/feed', '/feed/business']) {
      const once = await s.get(url);
      const again = await s.get(url);
      expect(again.body).toBe(once.body);
      expect(guids(again.body)).toHaveLength(1);
    }
    s.publish('second', 2);
    for (const url of ['/feed', '/feed/business']) {
      const res = await s.get(url);
      expect(res.statusCode).toBe(200);
      expect(res.headers['x-read-model-position']).toBe(String(s.position()));
      expect(guids(res.body)).toEqual([
        expect.stringMatching(/second/),
        expect.stringMatching(/first/),
      ]);
    }
  });

  it('answers a repeated request with the same bytes, type and the current position', async () => {
    const s = await servedRss();
    s.publish('first', 1);
    const once = await s.get('/feed');
    const again = await s.get('/feed', { 'x-min-position': String(s.position()) });
    expect(again.statusCode).toBe(200);
    expect(again.rawPayload.equals(once.rawPayload)).toBe(true);
    expect(again.headers['content-type']).toBe('application/rss+xml; charset=utf-8');
    expect(again.headers['content-length']).toBe(String(once.rawPayload.length));
    expect(again.headers['x-read-model-position']).toBe(String(s.position()));
  });

  it('still refuses a position not reached in time, and a bad one, when the feed is cached', async () => {
    const s = await servedRss();
    s.publish('first', 1);
    await s.get('/feed');
    const late = await s.get('/feed', { 'x-min-position': '99', 'x-wait-timeout-ms': '5' });
    expect(late.statusCode).toBe(503);
    expect(late.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(late.json()).toMatchObject({ status: 503, title: 'Service Unavailable' });
    const bad = await s.get('/feed', { 'x-min-position': 'soon' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ status: 400, title: 'Bad Request' });
  });

  it('keeps refusing an unknown or malformed category once feeds are cached', async () => {
    const s = await servedRss();
    s.publish('first', 1);
    await s.get('/feed/business');
    for (let i = 0; i < 2; i++) {
      expect((await s.get('/feed/sport')).statusCode).toBe(404);
      expect((await s.get('/feed/NOPE')).statusCode).toBe(400);
    }
  });
});
