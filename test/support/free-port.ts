// Finds a free TCP port on the loopback interface for a test server to listen on.
import { createServer } from 'node:net';

// The port is released before the server binds it, so the kernel could hand the same port to a
// second caller in between; remembering what this process gave out closes that gap for our tests.
const issued = new Set<number>();
const MAX_ATTEMPTS = 20;

/** Asks the kernel for an unused port on 127.0.0.1 that this process has not handed out yet. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const port = await unusedPort();
    if (!issued.has(port)) {
      issued.add(port);
      return port;
    }
  }
  throw new Error(`no fresh free port after ${MAX_ATTEMPTS} attempts`);
}

/** `count` consecutive free ports (a router replica set's admin ports follow the first); the first. */
export async function freePortRun(count: number): Promise<number> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const first = await freePort();
    const rest = Array.from({ length: count - 1 }, (_, i) => first + 1 + i);
    const free = await Promise.all(
      rest.map((p) => (issued.has(p) ? Promise.resolve(false) : canBind(p))),
    );
    if (free.every(Boolean)) {
      for (const p of rest) issued.add(p);
      return first;
    }
  }
  throw new Error(`no ${count} consecutive free ports after ${MAX_ATTEMPTS} attempts`);
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

function unusedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      // listen() on a TCP host always yields an AddressInfo; the string form is for pipes.
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no port assigned'))));
    });
  });
}
