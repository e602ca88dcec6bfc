// The Node peer: @fastify/http-proxy forwarding everything to BENCH_UPSTREAM_PORT (undici pool
// with keep-alive, the plugin's default), listening on BENCH_PORT. Started as its own process.
import Fastify from 'fastify';
import proxy from '@fastify/http-proxy';

const app = Fastify({ logger: false });
await app.register(proxy, { upstream: `http://127.0.0.1:${process.env.BENCH_UPSTREAM_PORT}` });
await app.listen({ host: '127.0.0.1', port: Number(process.env.BENCH_PORT) });
process.once('SIGTERM', () => app.close().then(() => process.exit(0)));
