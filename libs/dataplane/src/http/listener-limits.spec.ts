// Unit spec for a listener's limits on loopback: slow headers answered 408 and closed, connections past
// the cap refused, requests per connection bounded, CONNECT and garbage answered with the usual JSON,
// and the overload manager's door.
import { afterEach, describe, expect, it } from '@jest/globals';
import { request as http1 } from 'node:http';
import { connect as http2 } from 'node:http2';
import { connect, type Socket } from 'node:net';
import { trace } from '@opentelemetry/api';
import type { Exchange } from '../exchange.js';
import { TrafficStats } from '../metrics/traffic-stats.js';
import { HopTracer } from '../telemetry/hop-tracer.js';
import { HttpListener } from './http-listener.js';
import { DEFAULT_LISTENER_LIMITS, type ListenerLimits } from './listener-limits.js';
import { refuseMalformed } from './malformed-request.layer.js';

/** What a raw connection saw: the bytes the server sent, once the server closed it. */
interface Seen {
  readonly bytes: string;
}

/** Opens a raw connection, writes `data`, and resolves with what came back once it closed. */
function raw(port: number, data: string): { socket: Socket; closed: Promise<Seen> } {
  const socket = connect(port, '127.0.0.1', () => socket.write(data));
  const closed = new Promise<Seen>((resolve) => {
    let bytes = '';
    socket.on('data', (c: Buffer) => (bytes += c.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve({ bytes }));
  });
  return { socket, closed };
}

/** The status and JSON body of a raw HTTP/1.1 answer. */
function answer(bytes: string): { status: number; headers: string; body: unknown } {
  const [head, body] = bytes.split('\r\n\r\n');
  return {
    status: Number(head.split(' ')[1]),
    headers: head.toLowerCase(),
    body: JSON.parse(body),
  };
}

describe('HttpListener limits', () => {
  let listener: HttpListener;

  afterEach(async () => {
    await listener.close();
  });

  async function start(
    limits: Partial<ListenerLimits>,
    path: (ex: Exchange) => void = (ex) => ex.res.end('ok'),
  ): Promise<number> {
    const stats = new TrafficStats('shop/web');
    const tracer = new HopTracer(trace.getTracer('spec'));
    listener = new HttpListener('outbound', path, tracer, stats.unrouted);
    listener.limit({ ...DEFAULT_LISTENER_LIMITS, ...limits });
    return listener.listen(0, '127.0.0.1');
  }

  function get(port: number, agent = false): Promise<{ status: number; connection?: string }> {
    return new Promise((resolve, reject) => {
      const req = http1({ port, path: '/', headers: { host: 'api' }, agent }, (res) => {
        res.resume();
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, connection: res.headers.connection }),
        );
      });
      req.on('error', reject);
      req.end();
    });
  }

  it('answers headers that do not complete in time 408 request_timeout, and closes the connection', async () => {
    const port = await start({ headersTimeoutMs: 200 });
    const { closed } = raw(port, 'GET / HTTP/1.1\r\nHost: api\r\nX-Slow: ');
    const { status, body } = answer((await closed).bytes);
    expect(status).toBe(408);
    expect(body).toEqual({ error: 'request_timeout', message: expect.any(String) });
    expect([...listener.limited.entries()]).toEqual([['headers_timeout', 1]]);
  });

  it('closes a connection that sends nothing within the headers timeout', async () => {
    const port = await start({ headersTimeoutMs: 200 });
    const { closed } = raw(port, '');
    expect((await closed).bytes).toBe('');
  });

  it('refuses connections past its cap as they are accepted, and takes them again once one closes', async () => {
    const port = await start({ maxConnections: 2 });
    const held = [raw(port, 'GET / HTTP/1.1\r\nHost: api\r\n'), raw(port, 'GET / HTTP/1.1\r\n')];
    await until(() => listener.connections === 2);
    const refused = raw(port, 'GET / HTTP/1.1\r\nHost: api\r\n\r\n');
    expect((await refused.closed).bytes).toBe('');
    expect([...listener.limited.entries()]).toEqual([['max_connections', 1]]);
    held[0].socket.destroy();
    await held[0].closed;
    await until(() => listener.connections === 1);
    expect((await get(port)).status).toBe(200);
    held[1].socket.destroy();
  });

  it('serves at most maxRequestsPerConnection requests on an HTTP/1.1 connection', async () => {
    const port = await start({ maxRequestsPerConnection: 2 });
    const { socket, closed } = raw(port, 'GET / HTTP/1.1\r\nHost: api\r\n\r\n'.repeat(2));
    const seen = await closed;
    socket.destroy();
    const answers = seen.bytes.split('HTTP/1.1 ').filter(Boolean);
    expect(answers).toHaveLength(2);
    expect(answers[1].toLowerCase()).toContain('connection: close');
  });

  it('sends GOAWAY to an HTTP/2 connection once it served maxRequestsPerConnection streams', async () => {
    const port = await start({ maxRequestsPerConnection: 2 });
    const session = http2(`http://127.0.0.1:${port}`);
    const goaway = new Promise<void>((resolve) => session.once('goaway', () => resolve()));
    const status = (): Promise<number> =>
      new Promise((resolve) => {
        const stream = session.request({ ':path': '/', host: 'api' });
        stream.on('response', (h) => resolve(Number(h[':status'])));
        stream.resume();
      });
    expect(await Promise.all([status(), status()])).toEqual([200, 200]);
    await goaway;
    session.close();
  });

  it('refuses every new connection while the overload manager keeps its door shut; held ones go on', async () => {
    let release!: () => void;
    const port = await start({}, (ex) => {
      if (ex.req.url === '/slow') release = () => ex.res.end('late');
      else ex.res.end('ok');
    });
    const inFlight = get(port).then(() => undefined);
    const slow = new Promise<number>((resolve) => {
      const req = http1({ port, path: '/slow', headers: { host: 'api' }, agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.end();
    });
    await inFlight;
    await until(() => release !== undefined);
    listener.admit(false);
    expect((await raw(port, 'GET / HTTP/1.1\r\nHost: api\r\n\r\n').closed).bytes).toBe('');
    expect([...listener.limited.entries()]).toEqual([['overload', 1]]);
    release();
    expect(await slow).toBe(200);
    listener.admit(true);
    expect((await get(port)).status).toBe(200);
  });

  it('answers CONNECT 405 method_not_allowed with the usual JSON, then closes', async () => {
    const port = await start({}, (ex) => {
      if (refuseMalformed(ex) === 'next') ex.res.end('ok');
    });
    const seen = await raw(port, 'CONNECT db:5432 HTTP/1.1\r\nHost: db:5432\r\n\r\n').closed;
    const { status, headers, body } = answer(seen.bytes);
    expect(status).toBe(405);
    expect(headers).toContain('x-weft-error: method_not_allowed');
    expect(body).toEqual({
      error: 'method_not_allowed',
      message: expect.stringMatching(/CONNECT/),
    });
  });

  it('answers bytes the HTTP parser refuses 400 bad_request with the usual JSON', async () => {
    const port = await start({});
    const seen = await raw(
      port,
      'GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n',
    ).closed;
    const { status, headers, body } = answer(seen.bytes);
    expect(status).toBe(400);
    expect(headers).toContain('x-weft-error: bad_request');
    expect(body).toEqual({
      error: 'bad_request',
      message: expect.stringMatching(/^malformed HTTP request/),
    });
  });
});

/** Resolves once `check` holds, polling (a bound that only catches a hang). */
async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  if (!check()) throw new Error('condition never held');
}
