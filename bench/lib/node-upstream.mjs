// Fallback upstream when nginx cannot be installed: node:http answering every request with 200
// and the same 100-byte text/plain body, on BENCH_PORT. Started as its own process.
import { createServer } from 'node:http';
import { BODY } from './nginx.mjs';

const body = Buffer.from(BODY);
const headers = { 'content-type': 'text/plain', 'content-length': body.length };
const server = createServer((_req, res) => {
  res.writeHead(200, headers);
  res.end(body);
});
server.keepAliveTimeout = 300_000;
server.listen(Number(process.env.BENCH_PORT), '127.0.0.1');
