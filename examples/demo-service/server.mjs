// A tiny dependency-free demo app for the Weft examples: answers `GET /` with who it is and,
// when UPSTREAM_SERVICE is set, also calls that service through its sidecar's outbound port.
//
//   NAME=web VERSION=v1 INSTANCE=web-1 PORT=9080 \
//   UPSTREAM_SERVICE=api OUTBOUND_PORT=15001 node examples/demo-service/server.mjs
import { createServer, request } from 'node:http';

const NAME = process.env.NAME ?? 'demo';
const VERSION = process.env.VERSION ?? 'v1';
const INSTANCE = process.env.INSTANCE ?? `${NAME}-${process.pid}`;
const PORT = Number(process.env.PORT ?? 8080);
const HOST = process.env.HOST ?? '127.0.0.1';
const UPSTREAM_SERVICE = process.env.UPSTREAM_SERVICE ?? '';
const OUTBOUND_PORT = Number(process.env.OUTBOUND_PORT ?? 15001);
const UPSTREAM_TIMEOUT_MS = 5_000;

function log(fields) {
  process.stdout.write(
    `${JSON.stringify({ time: new Date().toISOString(), service: NAME, instance: INSTANCE, ...fields })}\n`,
  );
}

/** GET / on the upstream service through the local sidecar: the mesh hop. */
function callUpstream(path) {
  return new Promise((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: OUTBOUND_PORT,
        path,
        headers: { host: UPSTREAM_SERVICE, accept: 'application/json' },
        timeout: UPSTREAM_TIMEOUT_MS,
      },
      (res) => {
        const chunks = [];
        res.on('data', (chunk) => chunks.push(chunk));
        res.on('error', (err) => resolve({ status: 0, error: err.message }));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body;
          try {
            body = JSON.parse(text);
          } catch {
            body = text;
          }
          const status = res.statusCode ?? 0;
          // A reply the sidecar made itself (no route, no endpoints, …) carries x-weft-error.
          const weftError = res.headers['x-weft-error'];
          resolve(
            status >= 200 && status < 300
              ? body
              : { status, ...(weftError ? { weftError } : {}), body },
          );
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${UPSTREAM_TIMEOUT_MS} ms`)));
    req.on('error', (err) => resolve({ status: 0, error: err.message }));
    req.end();
  });
}

const server = createServer((req, res) => {
  const path = req.url ?? '/';
  const send = (status, payload) => {
    const body = `${JSON.stringify(payload)}\n`;
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      'x-demo-instance': INSTANCE,
    });
    res.end(body);
  };
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    send(405, { error: 'method_not_allowed', service: NAME, instance: INSTANCE });
    return;
  }
  const self = { service: NAME, version: VERSION, instance: INSTANCE, path };
  // Only `GET /` makes the mesh hop; every other path is answered locally.
  if (!UPSTREAM_SERVICE || new URL(path, 'http://localhost').pathname !== '/') {
    send(200, self);
    return;
  }
  void callUpstream('/').then((upstream) => send(200, { ...self, upstream }));
});

server.on('error', (err) => {
  log({ level: 'error', msg: 'listen failed', error: err.message, port: PORT });
  process.exit(1);
});

server.listen(PORT, HOST, () => {
  log({
    level: 'info',
    msg: 'demo service started',
    version: VERSION,
    port: PORT,
    ...(UPSTREAM_SERVICE ? { upstream: UPSTREAM_SERVICE, outboundPort: OUTBOUND_PORT } : {}),
  });
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.once(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
