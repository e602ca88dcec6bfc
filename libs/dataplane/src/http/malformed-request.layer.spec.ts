// Unit spec for the malformed-request layer: what no upstream should see is answered 400 (CONNECT 405)
// with the usual JSON body; everything else goes on untouched.
import { describe, expect, it } from '@jest/globals';
import { Socket } from 'node:net';
import type { IncomingMessage } from 'node:http';
import { CountedRequest } from './counted-request.js';
import { fakeExchange, fakeRequest, recordedResponse } from './http-doubles.testing.js';
import { malformation, refuseMalformed } from './malformed-request.layer.js';

/** A request as Node's HTTP/1 parser makes it: of the listener's class, with its request line. */
function parsed(requestLine: string, rawHeaders: string[]): IncomingMessage {
  const [method, url, protocol] = requestLine.split(' ');
  const req = new CountedRequest(new Socket());
  req.method = method;
  req.url = url;
  req.httpVersion = protocol.slice(5);
  req.rawHeaders = rawHeaders;
  for (let i = 0; i < rawHeaders.length; i += 2)
    req.headers[rawHeaders[i].toLowerCase()] ??= rawHeaders[i + 1];
  return req;
}

function refuse(req: IncomingMessage) {
  const res = recordedResponse();
  const outcome = refuseMalformed(fakeExchange(req, res));
  return { outcome, res, body: res.body ? (JSON.parse(res.body) as Record<string, string>) : {} };
}

describe('refuseMalformed', () => {
  it('lets a well-formed request go on, untouched', () => {
    const { outcome, res } = refuse(parsed('GET /x HTTP/1.1', ['Host', 'api.shop:8080']));
    expect(outcome).toBe('next');
    expect(res.headersSent).toBe(false);
  });

  it.each([
    ['two Host headers', parsed('GET / HTTP/1.1', ['Host', 'a', 'host', 'b']), /2 Host headers/],
    ['OPTIONS *', parsed('OPTIONS * HTTP/1.1', ['Host', 'a']), /asterisk-form/],
    [
      'an HTTP/2.0 request line',
      parsed('GET / HTTP/2.0', ['Host', 'a']),
      /HTTP\/2\.0 is no HTTP\/1/,
    ],
    ['an HTTP/0.9 request line', parsed('GET / HTTP/0.9', ['Host', 'a']), /HTTP\/0\.9/],
    ['Host: >', parsed('GET / HTTP/1.1', ['Host', '>']), /Host ">" is not a host\[:port\]/],
    ['a wildcard Host', parsed('GET / HTTP/1.1', ['Host', '*.shop']), /not a host/],
    ['a Host with a space', parsed('GET / HTTP/1.1', ['Host', 'a b']), /not a host/],
    ['an overlong Host', parsed('GET / HTTP/1.1', ['Host', 'a'.repeat(300)]), /not a host/],
    ['port 0', parsed('GET / HTTP/1.1', ['Host', 'a:0']), /not a host/],
    ['an HTTP/1.1 request without Host', parsed('GET / HTTP/1.1', []), /without a Host header/],
  ])('answers %s with 400 bad_request and closes the connection', (_, req, message) => {
    const { outcome, res, body } = refuse(req);
    expect(outcome).toBe('answered');
    expect(res.status).toBe(400);
    expect(res.sentHeaders['x-weft-error']).toBe('bad_request');
    expect(body.error).toBe('bad_request');
    expect(body.message).toMatch(message);
    expect((res as unknown as { shouldKeepAlive: boolean }).shouldKeepAlive).toBe(false);
  });

  it('answers CONNECT 405 method_not_allowed, saying what is allowed', () => {
    const { outcome, res, body } = refuse(parsed('CONNECT db:5432 HTTP/1.1', ['Host', 'db:5432']));
    expect(outcome).toBe('answered');
    expect(res.status).toBe(405);
    expect(res.sentHeaders.allow).toMatch(/^GET, /);
    expect(body).toEqual({
      error: 'method_not_allowed',
      message: expect.stringMatching(/CONNECT/),
    });
  });

  it('ignores the Host of an absolute-form request (its authority replaces it), not their number', () => {
    expect(malformation(parsed('GET http://api/x HTTP/1.1', ['Host', '>']))).toBeUndefined();
    expect(malformation(parsed('GET http://api/x HTTP/1.1', ['Host', 'a', 'Host', 'b']))).toMatch(
      /2 Host headers/,
    );
  });

  it('takes HTTP/1.0 without Host, IPv6 literals and a port; leaves HTTP/2 and bus requests alone', () => {
    expect(malformation(parsed('GET / HTTP/1.0', []))).toBeUndefined();
    expect(malformation(parsed('GET / HTTP/1.1', ['Host', '[::1]:8080']))).toBeUndefined();
    expect(malformation(parsed('GET / HTTP/1.1', ['Host', '10.0.0.1:15006']))).toBeUndefined();
    expect(malformation(parsed('GET / HTTP/1.1', ['Host', '[zz::1]']))).toMatch(/not a host/);
    // Not from the HTTP/1 parser: an HTTP/2 stream (2.0) or a bus exchange.
    expect(malformation(fakeRequest({ httpVersionMajor: 2 }))).toBeUndefined();
    // A bus call (HTTP/1.1 by its version, named by its subject) needs no Host.
    expect(malformation(fakeRequest({ headers: { host: undefined } }))).toBeUndefined();
  });
});
