// Loopback helpers: free ports, one-off HTTP GETs and polling until something is ready.
import { request } from 'node:http';
import { connect, createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export const HOST = '127.0.0.1';
const POLL_MS = 100;
const REQUEST_TIMEOUT_MS = 2_000;

/** A TCP port nobody listens on right now, on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** GET http://127.0.0.1:<port><path>; resolves to `{status, body}`, rejects on connection errors. */
export function get(port, path = '/', headers = {}) {
  return new Promise((resolve, reject) => {
    const req = request({ host: HOST, port, path, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error('timeout')));
    req.once('error', reject);
    req.end();
  });
}

/** Polls `check()` (truthy = ready; throwing counts as not ready) until it passes or time runs out. */
export async function waitFor(what, check, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (err) {
      lastError = err;
    }
    await sleep(POLL_MS);
  }
  throw new Error(
    `${what} not ready after ${timeoutMs} ms${lastError ? `: ${lastError.message}` : ''}`,
  );
}

/** True when GET <port>/ (with these headers) answers 200. */
export async function answers200(port, headers) {
  return (await get(port, '/', headers)).status === 200;
}

/** True when something accepts TCP connections on 127.0.0.1:<port>. */
export function canConnect(port) {
  return new Promise((resolve) => {
    const socket = connect({ host: HOST, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
