/** The ceiling of the read figures: fastify answering a constant, nothing else. */
import Fastify from 'fastify';

const port = Number(process.env['PORT'] ?? 3000);
const app = Fastify({ logger: false });
app.get('/', () => ({ hello: 'world' }));
await app.listen({ host: '127.0.0.1', port });

const stop = () => void app.close().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
