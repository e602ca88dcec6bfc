// Unit spec for forwarded headers: hop-by-hop headers dropped both ways, x-forwarded-* appended or set.
import { describe, expect, it } from '@jest/globals';
import type { IncomingMessage } from 'node:http';
import { downstreamResponseHeaders, upstreamRequestHeaders } from './forward-headers.js';

/** An IncomingMessage-like request: raw headers as sent, `headers` folded the way Node folds them. */
function request(raw: string[], remoteAddress: string | null = '10.1.2.3'): IncomingMessage {
  const headers: Record<string, string> = {};
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    headers[name] = name in headers ? `${headers[name]}, ${raw[i + 1]}` : raw[i + 1];
  }
  const socket = { remoteAddress: remoteAddress ?? undefined };
  return { rawHeaders: raw, headers, socket } as unknown as IncomingMessage;
}

/** The flat `[name, value, …]` output as `[name, value]` pairs. */
function pairs(flat: string[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i < flat.length; i += 2) out.push([flat[i], flat[i + 1]]);
  return out;
}

const names = (flat: string[]) => pairs(flat).map(([n]) => n.toLowerCase());
const value = (flat: string[], name: string) =>
  pairs(flat).find(([n]) => n.toLowerCase() === name)?.[1];

const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

/** This hop's headers, naming a fixed client span as the next hop's parent. */
const forward = (req: IncomingMessage, proto: 'http' | 'https', caller = '') =>
  upstreamRequestHeaders(req, proto, TRACEPARENT, caller);

describe('upstreamRequestHeaders', () => {
  it('names the calling service only where this hop is a caller, never what the request claimed', () => {
    const spoofed = request(['Host', 'r', 'X-Weft-Caller', 'default/admin']);
    expect(names(forward(spoofed, 'http'))).not.toContain('x-weft-caller');
    const out = forward(spoofed, 'http', 'shop/web');
    expect(pairs(out).filter(([n]) => n.toLowerCase() === 'x-weft-caller')).toEqual([
      ['x-weft-caller', 'shop/web'],
    ]);
  });

  it("replaces the caller's traceparent with this hop's, and passes tracestate through", () => {
    const incoming = '00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01';
    const out = forward(
      request(['Host', 'r', 'traceparent', incoming, 'tracestate', 'vendor=x']),
      'http',
    );
    expect(pairs(out).filter(([n]) => n === 'traceparent')).toEqual([['traceparent', TRACEPARENT]]);
    expect(value(out, 'tracestate')).toBe('vendor=x');
  });

  it('keeps end-to-end headers with their case, order and repeats', () => {
    const out = forward(
      request(['Host', 'reviews', 'Accept', 'text/html', 'X-Trace', '1', 'x-trace', '2']),
      'http',
    );
    expect(pairs(out).slice(0, 4)).toEqual([
      ['Host', 'reviews'],
      ['Accept', 'text/html'],
      ['X-Trace', '1'],
      ['x-trace', '2'],
    ]);
  });

  it.each([
    'Connection',
    'Keep-Alive',
    'Transfer-Encoding',
    'TE',
    'Trailer',
    'Upgrade',
    'Proxy-Connection',
    'Proxy-Authorization',
    'Proxy-Authenticate',
    'Expect',
  ])('drops the hop-by-hop header %s', (header) => {
    const out = forward(request(['Host', 'reviews', header, 'x']), 'http');
    expect(names(out)).not.toContain(header.toLowerCase());
    expect(names(out)).toContain('host');
  });

  it('keeps TE when it is only "trailers" (gRPC asks for it; HTTP/2 allows no other TE)', () => {
    expect(value(forward(request(['Host', 'g', 'TE', 'trailers']), 'http'), 'te')).toBe('trailers');
    expect(names(forward(request(['Host', 'g', 'TE', 'gzip, trailers']), 'http'))).not.toContain(
      'te',
    );
  });

  it('drops the headers the Connection header lists, in any case and spacing', () => {
    const out = forward(
      request([
        'Host',
        'reviews',
        'Connection',
        'keep-alive, X-Secret ,x-other',
        'Connection',
        'X-Third',
        'X-Secret',
        's',
        'x-other',
        'o',
        'X-Third',
        't',
        'X-Kept',
        'k',
      ]),
      'http',
    );
    expect(names(out)).not.toContain('x-secret');
    expect(names(out)).not.toContain('x-other');
    expect(names(out)).not.toContain('x-third');
    expect(value(out, 'x-kept')).toBe('k');
  });

  it('starts x-forwarded-for with the peer address and sets proto and host', () => {
    const out = forward(request(['Host', 'reviews.shop:8080'], '10.9.8.7'), 'https');
    expect(value(out, 'x-forwarded-for')).toBe('10.9.8.7');
    expect(value(out, 'x-forwarded-proto')).toBe('https');
    expect(value(out, 'x-forwarded-host')).toBe('reviews.shop:8080');
  });

  it('appends the peer to an existing x-forwarded-for chain, once', () => {
    const out = forward(
      request(
        ['Host', 'reviews', 'X-Forwarded-For', '203.0.113.5', 'X-Forwarded-For', '10.0.0.1'],
        '10.9.8.7',
      ),
      'http',
    );
    expect(pairs(out).filter(([n]) => n.toLowerCase() === 'x-forwarded-for')).toEqual([
      ['x-forwarded-for', '203.0.113.5, 10.0.0.1, 10.9.8.7'],
    ]);
  });

  it('keeps x-forwarded-proto and x-forwarded-host set by an earlier hop', () => {
    const out = forward(
      request([
        'Host',
        'reviews',
        'X-Forwarded-Proto',
        'https',
        'X-Forwarded-Host',
        'shop.example.com',
      ]),
      'http',
    );
    expect(value(out, 'x-forwarded-proto')).toBe('https');
    expect(value(out, 'x-forwarded-host')).toBe('shop.example.com');
    expect(names(out).filter((n) => n === 'x-forwarded-proto')).toHaveLength(1);
    expect(names(out).filter((n) => n === 'x-forwarded-host')).toHaveLength(1);
  });

  it('passes other x-forwarded-* headers through untouched', () => {
    const out = forward(
      request(['Host', 'reviews', 'X-Forwarded-Prefix', '/shop', 'X-Forwarded-Port', '443']),
      'http',
    );
    expect(value(out, 'x-forwarded-prefix')).toBe('/shop');
    expect(value(out, 'x-forwarded-port')).toBe('443');
  });

  it('names an unknown peer "unknown" and sets no x-forwarded-host without a Host', () => {
    const out = forward(request([], null), 'http');
    expect(pairs(out)).toEqual([
      ['x-forwarded-for', 'unknown'],
      ['x-forwarded-proto', 'http'],
      ['traceparent', TRACEPARENT],
    ]);
  });
});

describe('downstreamResponseHeaders', () => {
  it('removes hop-by-hop headers and those the Connection header lists', () => {
    const out = downstreamResponseHeaders({
      'content-type': 'application/json',
      'set-cookie': ['a=1', 'b=2'],
      connection: 'keep-alive, X-Upstream-Hop',
      'keep-alive': 'timeout=5',
      'transfer-encoding': 'chunked',
      trailer: 'x-checksum',
      upgrade: 'h2c',
      'proxy-authenticate': 'Basic',
      'x-upstream-hop': 'yes',
      'x-request-id': 'abc',
    });
    expect(out).toEqual({
      'content-type': 'application/json',
      'set-cookie': ['a=1', 'b=2'],
      'x-request-id': 'abc',
    });
  });

  it('does not modify the headers it was given', () => {
    const headers = { connection: 'close', 'content-length': '2' };
    downstreamResponseHeaders(headers);
    expect(headers).toEqual({ connection: 'close', 'content-length': '2' });
  });
});
