// Unit spec for the h2c dispatcher against a real node:http2 server: bodies both ways, trailers,
// the headers timeout, a refused connection and an abort, as undici names them.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Http2Server } from 'node:http2';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { dispatchOutcome as send } from './dispatch-outcome.testing.js';
import { H2Client } from './h2-client.js';

describe('H2Client', () => {
  let server: Http2Server;
  let origin = '';

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/slow') return void setTimeout(() => res.end('late'), 2_000).unref();
      res.setHeader('x-authority', req.authority);
      res.addTrailers({ 'grpc-status': '0' });
      if (req.method === 'POST') return void req.pipe(res);
      res.end(`${req.method} ${req.url}`);
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise<void>((done) => server.close(() => done())));

  it('sends host as :authority and passes the answer, then its trailers, on', async () => {
    const client = new H2Client(origin, 4_000);
    const out = await send(client, { path: '/a?b=1' });
    expect(out).toMatchObject({ status: 200, body: 'GET /a?b=1' });
    expect(out.error).toBeUndefined();
    expect(out.headers['x-authority']).toBe('grid');
    expect(out.headers[':status']).toBeUndefined();
    expect(out.trailers?.['grpc-status']).toBe('0');
    await client.close();
  });

  it('streams a request body', async () => {
    const client = new H2Client(origin, 4_000);
    const body = Readable.from(['one ', 'two ', 'three']);
    const out = await send(client, { method: 'POST', body });
    expect(out.body).toBe('one two three');
    await client.close();
  });

  it('fails a try with no answer within the headers timeout as undici does', async () => {
    const client = new H2Client(origin, 4_000);
    expect((await send(client, { path: '/slow', headersTimeout: 50 })).error).toBe(
      'UND_ERR_HEADERS_TIMEOUT',
    );
    await client.close();
  });

  it('reports a refused connection as ECONNREFUSED', async () => {
    const closed = createTcpServer();
    await new Promise<void>((done) => closed.listen(0, '127.0.0.1', done));
    const { port } = closed.address() as AddressInfo;
    await new Promise((done) => closed.close(done));
    const client = new H2Client(`http://127.0.0.1:${port}`, 4_000);
    expect((await send(client, {})).error).toBe('ECONNREFUSED');
    await client.close();
  });

  it('reports an abort with its reason', async () => {
    const client = new H2Client(origin, 4_000);
    const out = await send(client, { path: '/slow' }, (controller) =>
      setTimeout(() => controller.abort(new Error('downstream closed')), 20),
    );
    expect(out.error).toBe('downstream closed');
    await client.close();
  });
});
