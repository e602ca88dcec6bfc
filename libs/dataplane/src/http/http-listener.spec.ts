// Unit spec for the listener on loopback: one Exchange per request down the request path, counted on
// its edge (or the fallback), in flight until it closes, logged with the body bytes the client sent,
// and the same for a request a bus responder hands over.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { request as http1 } from 'node:http';
import { connect as http2 } from 'node:http2';
import { trace } from '@opentelemetry/api';
import { pino } from 'pino';
import type { Exchange } from '../exchange.js';
import { TrafficStats, type TrafficEdge } from '../metrics/traffic-stats.js';
import { AccessLog, type AccessRecord } from '../telemetry/access-log.js';
import { HopTracer } from '../telemetry/hop-tracer.js';
import { fakeRequest, recordedResponse } from './http-doubles.testing.js';
import { HttpListener } from './http-listener.js';

const stats = new TrafficStats('shop/web');
const routed = stats.inbound('shop/caller');

/** (method, status, count) of every cell of `edge`. */
function counted(edge: TrafficEdge): [string, number, number][] {
  return [...edge.cells()].map((c) => [c.method, c.status, c.count]);
}

/** Resolves once `check` holds (the response's close runs after the client saw its end). */
async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
}

describe('HttpListener', () => {
  let listener: HttpListener;
  let port: number;
  let seen: Exchange[];
  let records: AccessRecord[];
  /** What the request path does with each exchange (set by each test). */
  let path: (ex: Exchange) => void;

  beforeEach(async () => {
    seen = [];
    records = [];
    path = (ex) => ex.res.end('ok');
    const log = new AccessLog(
      { stdout: false, publishPerSecond: 1_000, sampleRatio: 1, subject: 's' },
      pino({ level: 'silent' }),
      (_s, payload) =>
        records.push(JSON.parse(new TextDecoder().decode(payload)) as AccessRecord) > 0,
    );
    const handler = (ex: Exchange): void => {
      seen.push(ex);
      path(ex);
    };
    const tracer = new HopTracer(trace.getTracer('spec'));
    listener = new HttpListener('outbound', handler, tracer, stats.unrouted, log);
    port = await listener.listen(0, '127.0.0.1');
  });

  afterEach(async () => {
    await listener.close();
  });

  /** One HTTP/1.1 request; resolves with the status and body. */
  function send(method = 'GET', body?: string): Promise<[number, string]> {
    return new Promise((resolve, reject) => {
      const req = http1({ port, method, path: '/x', headers: { host: 'api' } }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve([res.statusCode ?? 0, text]));
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  it('hands the request path one Exchange per request: its request, response and server span', async () => {
    expect(await send()).toEqual([200, 'ok']);
    expect(await send()).toEqual([200, 'ok']);
    expect(seen).toHaveLength(2);
    expect(seen[0]).not.toBe(seen[1]);
    expect([seen[0].req.url, seen[0].req.headers.host, seen[0].step]).toEqual(['/x', 'api', 0]);
    expect(seen[0].span.spanContext().traceId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('counts a finished request on the edge the path chose, else on its fallback', async () => {
    path = (ex) => {
      if (ex.req.method === 'PUT') ex.edge = routed;
      ex.res.writeHead(ex.req.method === 'PUT' ? 201 : 404).end();
    };
    const before = counted(stats.unrouted);
    await send('PUT');
    await send('DELETE');
    await until(() => records.length === 2);
    expect(counted(routed)).toEqual([['PUT', 201, 1]]);
    expect(counted(stats.unrouted)).toEqual([...before, ['DELETE', 404, 1]]);
  });

  it('counts a request in flight, by method, until its response closes', async () => {
    let held: Exchange | undefined;
    path = (ex) => (held = ex);
    const answered = send('POST', 'x');
    await until(() => held !== undefined);
    expect([listener.active, listener.activeByMethod[2]]).toEqual([1, 1]); // POST
    held!.res.end();
    await answered;
    await until(() => listener.active === 0);
    expect([listener.active, listener.activeByMethod[2]]).toEqual([0, 0]);
  });

  it('logs each exchange with its notes and the body bytes the client sent', async () => {
    path = (ex) => {
      ex.notes!.route = 'HTTPRoute/shop/api#0';
      ex.req.resume();
      ex.req.once('end', () => ex.res.end('done'));
    };
    await send('POST', 'hello wörld');
    await until(() => records.length === 1);
    expect(records[0]).toMatchObject({
      listener: 'outbound',
      method: 'POST',
      host: 'api',
      path: '/x',
      status: 200,
      route: 'HTTPRoute/shop/api#0',
      bytesIn: 12,
      traceId: seen[0].span.spanContext().traceId,
    });
  });

  it('counts the body bytes of an HTTP/2 request (h2c) too', async () => {
    path = (ex) => {
      ex.req.resume();
      ex.req.once('end', () => ex.res.end());
    };
    const session = http2(`http://127.0.0.1:${port}`);
    const stream = session.request({ ':method': 'POST', ':path': '/x', ':authority': 'api' });
    stream.end('0123456789');
    stream.resume();
    await new Promise((r) => stream.once('close', r));
    session.close();
    await until(() => records.length === 1);
    expect(records[0]).toMatchObject({ method: 'POST', status: 200, bytesIn: 10 });
  });

  it('takes a request a bus responder hands over through the same path and accounting', async () => {
    path = (ex) => {
      ex.edge = routed;
      ex.res.writeHead(202).end();
    };
    const res = recordedResponse();
    listener.handle(fakeRequest({ method: 'PATCH', url: '/bus' }), res);
    expect([seen.length, seen[0].req.url, res.status]).toEqual([1, '/bus', 202]);
    expect(listener.active).toBe(0);
    expect(counted(routed)).toContainEqual(['PATCH', 202, 1]);
    expect(records[0]).toMatchObject({ path: '/bus', status: 202, bytesIn: 0 });
  });
});
