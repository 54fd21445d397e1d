import { openReadModel, ProjectionRunner } from '@fairflax/projections';
import {
  authorRegistered,
  authorRows,
  authorsProjection,
  eventLog,
} from '@fairflax/projections/testing';
import Fastify, { type FastifyInstance, type LightMyRequestResponse } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { readYourWrites } from './read-side.js';

const apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

/** A read service in miniature: a GET and a POST over the read model, and a health check. */
async function readService() {
  const db = openReadModel(':memory:');
  const runner = new ProjectionRunner(db, authorsProjection());
  const names = () => authorRows(db).map((row: any) => row.name as string);
  const app = Fastify();
  apps.push(app);
  app.get('/feed', () => ({ authors: names() }));
  app.post('/graphql', () => ({ data: { authors: names() } }));
  app.get('/healthz', () => ({ status: 'ok', position: runner.globalPosition() }));
  // As the read-service runtime does: after the service built its routes, before it listens.
  readYourWrites().http(app, runner);
  await app.ready();
  const log = eventLog();
  return {
    /** One batch; the position moves by one per name. */
    register: (...names: string[]) => runner.applyBatch(log(names.map((n) => authorRegistered(n)))),
    get: (url: string, headers: Record<string, string | undefined> = {}) =>
      app.inject({ method: 'GET', url, headers }),
    post: (url: string, headers: Record<string, string | undefined> = {}) =>
      app.inject({ method: 'POST', url, headers, payload: { query: '{ authors }' } }),
  };
}

function expectProblem(res: LightMyRequestResponse, status: number, title: string) {
  expect(res.statusCode).toBe(status);
  expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
  expect(res.json()).toMatchObject({ type: 'about:blank', status, title });
}

/** Resolves once the request is answered; `answered()` tells whether it is yet. */
function watched(request: Promise<LightMyRequestResponse>) {
  let answered = false;
  const done = request.then((res) => {
    answered = true;
    return res;
  });
  return { done, answered: () => answered };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('read-your-writes over HTTP', () => {
  it('answers at once, with the position reached, when X-Min-Position is already applied or absent', async () => {
    const s = await readService();
    s.register('ada', 'grace');

    for (const headers of [{ 'x-min-position': '2' }, { 'x-min-position': '0' }, {}]) {
      const res = await s.get('/feed', headers);
      expect(res.statusCode).toBe(200);
      expect(res.headers['x-read-model-position']).toBe('2');
      expect(res.json()).toEqual({ authors: ['ada', 'grace'] });
    }
  });

  it('answers 503 problem+json with Retry-After when the read model does not reach X-Min-Position in time', async () => {
    const s = await readService();
    s.register('ada');
    const started = Date.now();

    const res = await s.get('/feed', { 'x-min-position': '2', 'x-wait-timeout-ms': '30' });

    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    expectProblem(res, 503, 'Service Unavailable');
    expect(res.headers['retry-after']).toBe('1');
    expect(res.headers['x-read-model-position']).toBe('1');
  });

  it('holds a request on X-Min-Position and answers it with that batch as soon as it is applied', async () => {
    const s = await readService();
    s.register('ada');
    const started = Date.now();

    const pending = watched(s.get('/feed', { 'x-min-position': '2', 'x-wait-timeout-ms': '5000' }));
    await pause(20);
    expect(pending.answered()).toBe(false);
    s.register('grace');
    const res = await pending.done;

    expect(Date.now() - started).toBeLessThan(2_000);
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-read-model-position']).toBe('2');
    expect(res.json()).toEqual({ authors: ['ada', 'grace'] });
  });

  it('waits on the minPosition query parameter as on the header', async () => {
    const s = await readService();

    const pending = watched(s.get('/feed?minPosition=1'));
    await pause(20);
    expect(pending.answered()).toBe(false);
    s.register('ada');

    const res = await pending.done;
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ authors: ['ada'] });
  });

  it('answers 400 problem+json for a position or timeout that is not a plain integer', async () => {
    const s = await readService();
    for (const headers of [
      { 'x-min-position': 'soon' },
      { 'x-min-position': '-1' },
      { 'x-min-position': '1e3' },
      { 'x-min-position': '9'.repeat(16) },
      { 'x-min-position': '0', 'x-wait-timeout-ms': 'forever' },
      { 'x-min-position': '0', 'x-wait-timeout-ms': '1.5' },
    ]) {
      expectProblem(await s.get('/feed', headers), 400, 'Bad Request');
    }
    expectProblem(await s.get('/feed?minPosition=1&minPosition=2'), 400, 'Bad Request');
  });

  it('answers any position that is not a plain integer with 400, never 5xx, whatever the timeout', async () => {
    const s = await readService();
    // What clients and proxies get wrong: signs, spaces, exponents, other digits, encodings.
    const notIntegers = [
      ...['', 'soon', '-1', '+1', ' 7', '7 ', '0x10', '0b1', '1e2', '1.0', '1,2', '1_000'],
      ...['١', '٣', 'NaN', 'Infinity', 'null', '[]', '{}', '%31', '9'.repeat(20), '\u00a01'],
    ];
    const timeouts = [undefined, '', '0', '20', 'forever', '1.5', '-5', '9'.repeat(20)];
    for (const minPosition of notIntegers) {
      for (const timeout of timeouts) {
        const headers = {
          'x-min-position': minPosition,
          ...(timeout !== undefined && { 'x-wait-timeout-ms': timeout }),
        };
        const res = await s.get('/feed', headers);
        expect(res.statusCode, JSON.stringify(headers)).toBe(400);
        expectProblem(res, 400, 'Bad Request');
      }
      const query = await s.get(`/feed?minPosition=${encodeURIComponent(minPosition)}`);
      expect(query.statusCode, `?minPosition=${minPosition}`).toBe(400);
      expectProblem(query, 400, 'Bad Request');
    }
  });

  it('answers /healthz at once, whatever X-Min-Position asks for, while other routes wait', async () => {
    const s = await readService();
    const feed = watched(s.get('/feed', { 'x-min-position': '999', 'x-wait-timeout-ms': '500' }));

    for (const minPosition of ['999', 'soon']) {
      const res = await s.get('/healthz', {
        'x-min-position': minPosition,
        'x-wait-timeout-ms': '5000',
      });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ status: 'ok', position: 0 });
    }
    // Answered while /feed still waits out its shorter timeout.
    expect(feed.answered()).toBe(false);
    expect((await feed.done).statusCode).toBe(503);
  });

  it('holds a POST, as graph answers /graphql, the same way', async () => {
    const s = await readService();
    s.register('ada');

    const late = await s.post('/graphql', { 'x-min-position': '2', 'x-wait-timeout-ms': '30' });
    expectProblem(late, 503, 'Service Unavailable');
    expect(late.headers['retry-after']).toBe('1');
    expectProblem(await s.post('/graphql', { 'x-min-position': 'soon' }), 400, 'Bad Request');

    const pending = watched(
      s.post('/graphql', { 'x-min-position': '2', 'x-wait-timeout-ms': '5000' }),
    );
    await pause(20);
    expect(pending.answered()).toBe(false);
    s.register('grace');
    const res = await pending.done;
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-read-model-position']).toBe('2');
    expect(res.json()).toEqual({ data: { authors: ['ada', 'grace'] } });
  });
});
