import { openReadModel, ProjectionRunner } from '@fairflax/projections';
import { createLogger } from '@fairflax/service-kit';
import { newsroomEvents, deliveriesOf } from '@fairflax/projections/testing';
import fc from 'fast-check';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from './app.js';
import { sitemapProjection } from './projection.js';

let app: Awaited<ReturnType<typeof buildApp>>;
beforeAll(async () => {
  const db = openReadModel(':memory:');
  const runner = new ProjectionRunner(db, sitemapProjection);
  runner.applyBatch(deliveriesOf(newsroomEvents.story('a-1', 1)));
  app = await buildApp({ db, runner, publicUrl: 'https://news.fairflax.example' });
});
afterAll(() => app.close());

const send = (options: InjectOptions) => app.inject(options);

/** The RFC 9457 shape every error answer of sitemap has. */
function expectProblem(res: LightMyRequestResponse, status: number, title?: string) {
  expect(res.statusCode).toBe(status);
  expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
  const body = res.json();
  expect(body).toMatchObject({ type: 'about:blank', status, title: title ?? expect.any(String) });
  expect(Object.keys(body).every((k) => ['type', 'title', 'status', 'detail'].includes(k))).toBe(
    true,
  );
  return body as { detail?: string };
}

describe('sitemap error answers', () => {
  it('answers 404 problem+json for a path nothing serves', async () => {
    const body = expectProblem(await send({ url: '/nope/feed' }), 404, 'Not Found');
    expect(body.detail).toBeTypeOf('string');
  });

  it('answers 405 problem+json with Allow for a method the path is not served under', async () => {
    for (const [method, url] of [
      ['POST', '/sitemap'],
      ['DELETE', '/sitemap/news'],
      ['PUT', '/healthz'],
      ['OPTIONS', '/sitemap'],
    ] as const) {
      const res = await send({ method, url });
      expectProblem(res, 405, 'Method Not Allowed');
      expect(res.headers.allow).toBe('GET, HEAD');
    }
  });

  it('answers 404 problem+json for a long path, which has no parameter to be too long', async () => {
    const body = expectProblem(await send({ url: `/sitemap/${'a'.repeat(5000)}` }), 404);
    expect(body.detail).not.toContain('aaaa');
  });

  it('answers 400 problem+json for a path that is not valid percent-encoding', async () => {
    for (const url of ['/sitemap/%E0%A4%A', '/%FF', '/sitemap/%']) {
      expectProblem(await send({ url }), 400, 'Bad Request');
    }
  });

  it('answers problem+json for a malformed, a too large or an unsupported body', async () => {
    const post = (payload: string, contentType: string) =>
      send({ method: 'POST', url: '/sitemap', payload, headers: { 'content-type': contentType } });
    expectProblem(await post('{"not json', 'application/json'), 400, 'Bad Request');
    expectProblem(await post('x'.repeat(2 ** 21), 'application/json'), 413, 'Payload Too Large');
    expectProblem(await post('<x/>', 'application/x-unknown'), 405);
  });

  it('logs what fails inside and answers a bare 500 problem+json', async () => {
    const lines: string[] = [];
    const db = openReadModel(':memory:');
    const runner = new ProjectionRunner(db, sitemapProjection);
    const logger = createLogger(
      'sitemap',
      { LOG_LEVEL: 'error' },
      {
        write: (line: string) => void lines.push(line),
      },
    );
    const broken = await buildApp({
      db,
      runner,
      publicUrl: 'https://news.fairflax.example',
      logger,
    });
    db.close();
    const body = expectProblem(
      await broken.inject({ url: '/sitemap' }),
      500,
      'Internal Server Error',
    );
    await broken.close();
    expect(body.detail).toBeUndefined();
    expect(lines.map((l) => JSON.parse(l))).toContainEqual(
      expect.objectContaining({ level: 50, msg: 'sitemap failed' }),
    );
  });

  it('answers HEAD like GET, without a body', async () => {
    const res = await send({ method: 'HEAD', url: '/sitemap/news' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/xml; charset=utf-8');
    expect(res.body).toBe('');
    const missing = await send({ method: 'HEAD', url: '/sitemaps' });
    expect(missing.statusCode).toBe(404);
    expect(missing.headers['content-type']).toBe('application/problem+json; charset=utf-8');
  });
});

// Path segments: fast-check's URL segments, any text percent-encoded, and pieces that trip
// routers (dot segments, stray or truncated escapes, over-long segments).
const segment = fc.oneof(
  fc.webSegment(),
  fc.string({ unit: 'grapheme', maxLength: 12 }).map(encodeURIComponent),
  fc.constantFrom('sitemap', 'news', 'healthz', '', '.', '..', '%', '%E0%A4%A', '%FF', '%00'),
  fc.constantFrom('%2F', '%2e%2e', ';x=1', '*', 'a'.repeat(101), 'Sitemap', '%73itemap'),
);
const path = fc
  .tuple(fc.array(segment, { maxLength: 4 }), fc.option(fc.webQueryParameters()))
  .map(([segments, query]) => `/${segments.join('/')}${query === null ? '' : `?${query}`}`);
const method = fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS');
const body = fc.option(
  fc.record({
    contentType: fc.constantFrom('application/json', 'text/plain', 'application/x-unknown'),
    payload: fc.oneof(fc.string(), fc.json()),
  }),
);

function expectNeverFails(res: LightMyRequestResponse, method: string) {
  expect(res.statusCode).toBeLessThan(500);
  if (res.statusCode < 300) return;
  expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
  if (method !== 'HEAD') expect(res.json()).toMatchObject({ status: res.statusCode });
}

describe('sitemap, for any request', () => {
  it('never answers 5xx, and answers every error in problem+json', async () => {
    await fc.assert(
      fc.asyncProperty(method, path, body, async (method, url, body) => {
        const res = await send({
          method,
          url,
          ...(body && { payload: body.payload, headers: { 'content-type': body.contentType } }),
        });
        expectNeverFails(res, method);
      }),
    );
  });
});
