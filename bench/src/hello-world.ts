/** The ceiling of the read figures: fastify answering a constant, nothing else. */
import Fastify from 'fastify';

const port = Number(process.env['PORT'] ?? 3000);
const app = Fastify({ logger: false });
app.get('/', () => ({ hello: 'world' }));
// A constant answer as large as a feed: what fastify and the load generator cost for its bytes.
const bodies = new Map<number, Buffer>();
app.get<{ Params: { size: string } }>('/bytes/:size', (request, reply) => {
  const size = Math.min(Number(request.params.size) || 0, 1024 * 1024);
  let body = bodies.get(size);
  if (!body) bodies.set(size, (body = Buffer.alloc(size, 'x')));
  return reply.type('application/rss+xml; charset=utf-8').send(body);
});
await app.listen({ host: '127.0.0.1', port });

const stop = () => void app.close().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
