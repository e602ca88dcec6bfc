// Unit spec for PoolRegistry against real local HTTP and h2c servers: a Service's own connection
// limits, h2c clients.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import { createServer as createH2cServer, type Http2Server } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { dispatchOutcome as send } from './dispatch-outcome.testing.js';
import { PoolRegistry, type PoolVariant } from './pool-registry.js';

describe('PoolRegistry', () => {
  let server: Server;
  let origin = '';
  /** Connections the server accepted so far. */
  let connections = 0;

  beforeAll(async () => {
    server = createServer((_req, res) => res.end('ok'));
    server.on('connection', () => connections++);
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
  });

  async function get(registry: PoolRegistry, variant?: PoolVariant) {
    return (await send(registry.get(origin, { poolVariant: variant }))).status;
  }

  it('closes a connection after maxRequestsPerConnection requests', async () => {
    const registry = new PoolRegistry();
    const variant = { key: '1/2', connections: 1, maxRequestsPerConnection: 2 };
    const before = connections;
    for (let i = 0; i < 6; i++) expect(await get(registry, variant)).toBe(200);
    expect(connections - before).toBe(3);
    await registry.close();
  });

  it('opens a connection per request with maxRequestsPerConnection 1', async () => {
    const registry = new PoolRegistry();
    const variant = { key: '1/1', connections: 1, maxRequestsPerConnection: 1 };
    const before = connections;
    for (let i = 0; i < 3; i++) expect(await get(registry, variant)).toBe(200);
    expect(connections - before).toBe(3);
    await registry.close();
  });

  it('keeps one pool per origin and settings, reused across calls', async () => {
    const registry = new PoolRegistry();
    const variant = { key: '4/0', connections: 4, maxRequestsPerConnection: 0 };
    expect(registry.get(origin, { poolVariant: variant })).toBe(
      registry.get(origin, { poolVariant: variant }),
    );
    expect(registry.get(origin)).not.toBe(registry.get(origin, { poolVariant: variant }));
    expect(await get(registry, variant)).toBe(200);
    await registry.close();
  });
});

describe('PoolRegistry, h2c', () => {
  let server: Http2Server;
  let origin = '';
  let sessions = 0;

  beforeAll(async () => {
    server = createH2cServer((req, res) => {
      res.addTrailers({ 'x-done': 'yes' });
      res.end(req.httpVersion);
    });
    server.on('session', () => sessions++);
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise<void>((done) => server.close(() => done())));

  it('sends an h2c Service its requests over HTTP/2 prior knowledge, multiplexed on one connection', async () => {
    const registry = new PoolRegistry();
    const client = registry.get(origin, { protocol: 'h2c' });
    expect(
      registry.get(origin, {
        poolVariant: { key: '4/0', connections: 4, maxRequestsPerConnection: 0 },
        protocol: 'h2c',
      }),
    ).toBe(client);
    const answers = await Promise.all(Array.from({ length: 10 }, () => send(client)));
    expect(answers.map((a) => a.body)).toEqual(Array(10).fill('2.0'));
    expect(answers[0].trailers?.['x-done']).toBe('yes');
    expect(sessions).toBe(1);
    registry.retain(new Set());
    expect(registry.get(origin, { protocol: 'h2c' })).not.toBe(client);
    await registry.close();
  });
});
