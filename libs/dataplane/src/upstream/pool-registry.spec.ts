// Unit spec for PoolRegistry against a real local HTTP server: a Service's own connection limits.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PoolRegistry } from './pool-registry.js';

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

  async function get(registry: PoolRegistry, variant?: Parameters<PoolRegistry['get']>[1]) {
    const { statusCode, body } = await registry
      .get(origin, variant)
      .request({ path: '/', method: 'GET' });
    await body.text();
    return statusCode;
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
    expect(registry.get(origin, variant)).toBe(registry.get(origin, variant));
    expect(registry.get(origin)).not.toBe(registry.get(origin, variant));
    expect(await get(registry, variant)).toBe(200);
    await registry.close();
  });
});
