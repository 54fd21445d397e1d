import { envReader } from '@fairflax/service-kit';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { graphWithOneArticle } from '../../test/support.js';
import { eventExplorer } from './explorer.js';

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
});

async function graphWithExplorer() {
  const explorer = await eventExplorer.open({
    db: undefined as never,
    runner: undefined as never,
    env: envReader({}),
    logger: undefined as never,
    inProcess: false,
    consumer: 'graph',
  });
  ({ app } = await graphWithOneArticle({
    extensions: [{ typeDefs: eventExplorer.typeDefs, ...explorer }],
  }));
  return app;
}

describe('the event explorer page', () => {
  it('serves its page as HTML under a strict content security policy', async () => {
    const app = await graphWithExplorer();

    const res = await app.inject({ method: 'GET', url: '/explorer' });

    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.body).toContain('<script type="module" src="/explorer/assets/explorer.js">');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('sends /explorer/ to /explorer', async () => {
    const app = await graphWithExplorer();

    const res = await app.inject({ method: 'GET', url: '/explorer/' });

    expect(res.statusCode).toBe(308);
    expect(res.headers.location).toBe('/explorer');
  });

  it('serves its scripts and styles with their content types, revalidated by ETag', async () => {
    const app = await graphWithExplorer();

    const script = await app.inject({ method: 'GET', url: '/explorer/assets/explorer.js' });
    const style = await app.inject({ method: 'GET', url: '/explorer/assets/explorer.css' });
    const again = await app.inject({
      method: 'GET',
      url: '/explorer/assets/explorer.js',
      headers: { 'if-none-match': String(script.headers.etag) },
    });

    expect(script.statusCode).toBe(200);
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(script.headers['cache-control']).toBe('no-cache');
    expect(style.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
  });

  it.each([
    '/explorer/assets/missing.js',
    '/explorer/assets/..%2Fpackage.json',
    '/explorer/assets/%2e%2e%2f%2e%2e%2fsrc%2fmain.ts',
    '/explorer/assets/../../package.json',
    '/explorer/assets/',
    '/explorer/index.html',
  ])('answers %s with 404 problem+json, never a file outside the page', async (url) => {
    const app = await graphWithExplorer();

    const res = await app.inject({ method: 'GET', url });

    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({ status: 404 });
  });
});
