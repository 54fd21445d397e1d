import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Counter } from 'prom-client';
import { createMetricsRegistry, startMetricsServer, type HealthCheck } from './metrics.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map((s) => new Promise((resolve) => s.close(() => resolve(undefined)))),
  );
});

async function metrics(health?: HealthCheck) {
  const registry = createMetricsRegistry();
  const calls = new Counter({
    name: 'grpc_calls_total',
    help: 'calls',
    labelNames: ['method'],
    registers: [registry],
  });
  calls.inc({ method: 'GetArticle' }, 2);
  const server = await startMetricsServer('127.0.0.1', 0, registry, health);
  servers.push(server);
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { server, base };
}

describe('the metrics server', () => {
  it("serves its registry, with the process's own metrics, on GET and HEAD /metrics", async () => {
    const { base } = await metrics();
    const get = await fetch(`${base}/metrics?from=prometheus`);
    expect(get.status).toBe(200);
    expect(get.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await get.text();
    expect(text).toContain('grpc_calls_total{method="GetArticle"} 2');
    expect(text).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds \d/m);
    const head = await fetch(`${base}/metrics`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('answers 404 problem+json for any other path', async () => {
    const { base } = await metrics();
    const res = await fetch(`${base}/nope`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
    expect(await res.json()).toMatchObject({
      type: 'about:blank',
      title: 'Not Found',
      status: 404,
    });
  });

  it('answers 405 problem+json with Allow for another method on /metrics', async () => {
    const { base } = await metrics();
    const res = await fetch(`${base}/metrics`, { method: 'POST', body: 'x'.repeat(100_000) });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD');
    expect(res.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
    expect(await res.json()).toMatchObject({ title: 'Method Not Allowed', status: 405 });
  });

  it('answers GET /healthz with what its health check reports, asked anew each time', async () => {
    let position = 41;
    const { base } = await metrics(() => ({ status: 'ok', position: ++position }));
    const first = await fetch(`${base}/healthz`);
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await first.json()).toEqual({ status: 'ok', position: 42 });
    expect(await (await fetch(`${base}/healthz?probe=k8s`)).json()).toEqual({
      status: 'ok',
      position: 43,
    });
  });

  it('answers /healthz 503 problem+json when its health check fails', async () => {
    const { base } = await metrics(() => Promise.reject(new Error('database is closed')));
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
    const body = await res.json();
    expect(body).toMatchObject({ title: 'Service Unavailable', status: 503 });
    expect(JSON.stringify(body)).not.toContain('database is closed');
  });

  it('serves no /healthz without a health check, and only GET and HEAD with one', async () => {
    expect((await fetch(`${(await metrics()).base}/healthz`)).status).toBe(404);
    const { base } = await metrics(() => ({ status: 'ok' }));
    const post = await fetch(`${base}/healthz`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it('answers a request that is not HTTP with 400 problem+json', async () => {
    const { server } = await metrics();
    const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
    socket.end('NOT HTTP AT ALL\r\n\r\n');
    let raw = '';
    for await (const chunk of socket) raw += String(chunk);
    const [head = '', body = ''] = raw.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(head).toContain('Content-Type: application/problem+json; charset=utf-8');
    expect(JSON.parse(body)).toMatchObject({ type: 'about:blank', status: 400 });
  });
});
