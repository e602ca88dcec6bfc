// @ts-check
// Free TCP ports on 127.0.0.1 for processes started a moment later (the demo, the examples, tests).
// They are picked below the kernel's ephemeral range: a port listen(0) hands out lies in that
// range, and any outgoing connection on the machine may take it as its local port in the second
// a process needs to start and bind it (EADDRINUSE on a busy machine). Below it, a free port stays
// free until someone binds it on purpose.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

const HOST = '127.0.0.1';
/** Linux's default ephemeral range starts here; macOS's and Windows' start higher (49152). */
const DEFAULT_EPHEMERAL_FROM = 32_768;
/** Lowest port picked: clear of the well-known and of most registered services' ports. */
const PICK_FROM = 20_000;
const MAX_ATTEMPTS = 200;

/** Ports this process handed out already: free again only once their process binds them. */
const issued = new Set();
/**
 * Where this process looks next. Each process walks the range from its own random start, so two
 * that pick at the same moment (test runs side by side) rarely reach the same port together.
 */
let cursor = -1;
/**
 * How far apart the ports it hands out are: a process given port p may take the next few too by
 * convention (router replicas' admin ports are WEFT_ADMIN_PORT + index), not reserved here.
 */
const STRIDE = 16;

/**
 * A port on 127.0.0.1 that nothing listens on and that this process has not handed out yet.
 * @returns {Promise<number>}
 */
export async function freePort() {
  const below = ephemeralFrom();
  if (below - PICK_FROM < 1_000) return kernelPort(); // an ephemeral range that leaves no room
  const span = below - PICK_FROM;
  if (cursor < 0) cursor = Math.floor(Math.random() * span);
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const port = PICK_FROM + (cursor % span);
    cursor += STRIDE;
    if (issued.has(port) || !(await isPortFree(port))) continue;
    issued.add(port);
    return port;
  }
  throw new Error(`no free port in ${PICK_FROM}-${below - 1} after ${MAX_ATTEMPTS} attempts`);
}

/**
 * `count` consecutive free ports (a router replica set's admin ports follow the first): the first.
 * @param {number} count
 * @returns {Promise<number>}
 */
export async function freePortRun(count) {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const first = await freePort();
    const rest = Array.from({ length: count - 1 }, (_, i) => first + 1 + i);
    const free = await Promise.all(
      rest.map((p) => (issued.has(p) ? Promise.resolve(false) : isPortFree(p))),
    );
    if (free.every(Boolean)) {
      for (const p of rest) issued.add(p);
      return first;
    }
  }
  throw new Error(`no ${count} consecutive free ports after ${MAX_ATTEMPTS} attempts`);
}

/**
 * True when `port` can be bound on 127.0.0.1 (nothing listens there, nor on 0.0.0.0).
 * @param {number} port
 * @returns {Promise<boolean>}
 */
export function isPortFree(port) {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, HOST, () => server.close(() => resolve(true)));
  });
}

/** @returns {number} the first port of the kernel's ephemeral range (Linux), else the default */
function ephemeralFrom() {
  try {
    const [from] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').split(/\s+/);
    const port = Number(from);
    return Number.isInteger(port) && port > 0 ? port : DEFAULT_EPHEMERAL_FROM;
  } catch {
    return DEFAULT_EPHEMERAL_FROM;
  }
}

/** @returns {Promise<number>} a port the kernel picks (listen(0)), as a last resort */
function kernelPort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no port assigned'))));
    });
  });
}
