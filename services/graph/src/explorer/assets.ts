import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sendProblem } from '@fairflax/service-kit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** The page's files: `services/graph/explorer/`, from `src/explorer/` and `dist/explorer/` alike. */
export const PAGE_DIR = new URL('../../explorer/', import.meta.url);

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** Scripts, styles and fetches from this origin only; no inline script, no framing. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export interface Asset {
  body: Buffer;
  contentType: string;
  etag: string;
}

/**
 * Reads the page's files once, at start-up: a request names an entry of this map or gets a 404,
 * so no request path ever reaches the file system.
 */
export function loadAssets(dir: URL = PAGE_DIR): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  const path = fileURLToPath(dir);
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    const contentType = CONTENT_TYPES[extname(entry.name)];
    if (!entry.isFile() || contentType === undefined) continue;
    const body = readFileSync(join(path, entry.name));
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
    assets.set(entry.name, { body, contentType, etag });
  }
  return assets;
}

/** Revalidated on every use (`no-cache`), answered 304 while the ETag still matches. */
export function sendAsset(request: FastifyRequest, reply: FastifyReply, asset: Asset) {
  reply
    .header('content-security-policy', CONTENT_SECURITY_POLICY)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('cache-control', 'no-cache')
    .header('etag', asset.etag);
  if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send();
  return reply.type(asset.contentType).send(asset.body);
}

/** GET `page` serves index.html; GET `page`/assets/<name> the file of that name. */
export function serveAssets(app: FastifyInstance, page: string, assets: Map<string, Asset>) {
  const index = assets.get('index.html');
  if (index === undefined) throw new Error('the explorer page has no index.html');
  app.get(page, (request, reply) => sendAsset(request, reply, index));
  app.get(`${page}/`, (_request, reply) => reply.redirect(page, 308));
  app.get<{ Params: { name: string } }>(`${page}/assets/:name`, (request, reply) => {
    const asset = assets.get(request.params.name);
    if (asset === undefined) {
      return sendProblem(reply, 404, 'Not Found', 'the explorer has no asset of that name');
    }
    return sendAsset(request, reply, asset);
  });
}
