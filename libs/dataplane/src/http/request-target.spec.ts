// Unit spec for requestTarget: host and port from the Host header or an absolute-form URL (which
// then replaces the Host header), path and query split.
import { describe, expect, it } from '@jest/globals';
import type { IncomingMessage } from 'node:http';
import { requestTarget, type RequestTarget } from './request-target.js';

function request(url: string | undefined, host?: string): IncomingMessage {
  return {
    url,
    headers: host === undefined ? {} : { host },
    rawHeaders: host === undefined ? [] : ['Host', host],
  } as unknown as IncomingMessage;
}

/** The target, failing the test with the reason when there is none. */
function targetOf(req: IncomingMessage): RequestTarget {
  const target = requestTarget(req);
  if (typeof target === 'string') throw new Error(target);
  return target;
}

describe('requestTarget', () => {
  it('takes the host from the Host header, lower-cased and without port, and the port', () => {
    expect(targetOf(request('/reviews/1?full=1', 'Reviews.Shop:9080'))).toEqual({
      host: 'reviews.shop',
      port: 9080,
      path: '/reviews/1',
      query: 'full=1',
      pathAndQuery: '/reviews/1?full=1',
    });
  });

  it('keeps a Host header without port as is (lower-cased): port 80', () => {
    expect(targetOf(request('/', 'REVIEWS'))).toMatchObject({ host: 'reviews', port: 80 });
  });

  it('keeps the brackets of an IPv6 host and strips its port', () => {
    expect(targetOf(request('/x', '[FE80::1]:8080'))).toMatchObject({
      host: '[fe80::1]',
      port: 8080,
    });
    expect(targetOf(request('/x', '[::1]'))).toMatchObject({ host: '[::1]', port: 80 });
  });

  it('parses an absolute-form URL, ignoring the Host header', () => {
    expect(targetOf(request('http://Reviews.default:80/x?q=1', 'other'))).toEqual({
      host: 'reviews.default',
      port: 80,
      path: '/x',
      query: 'q=1',
      pathAndQuery: '/x?q=1',
    });
  });

  it('makes the authority of an absolute-form URL the request’s Host (RFC 9112 §3.2.2)', () => {
    const req = request('http://api:8080/abs', 'other');
    expect(targetOf(req)).toMatchObject({ host: 'api', port: 8080 });
    expect(req.headers.host).toBe('api:8080');
    expect(req.rawHeaders).toEqual(['Host', 'api:8080']);
  });

  it('adds the Host an absolute-form request without one lacks', () => {
    const req = request('http://api/abs');
    targetOf(req);
    expect(req.headers.host).toBe('api');
    expect(req.rawHeaders).toEqual(['Host', 'api']);
  });

  it('gives an absolute-form URL without path the path "/"', () => {
    expect(targetOf(request('http://reviews'))).toEqual({
      host: 'reviews',
      port: 80,
      path: '/',
      query: '',
      pathAndQuery: '/',
    });
  });

  it('parses an absolute-form URL with an IPv6 host', () => {
    expect(targetOf(request('http://[::1]:8080/a?b'))).toMatchObject({
      host: '[::1]',
      port: 8080,
      path: '/a',
    });
  });

  it('says why an origin-form request without Host has no target', () => {
    expect(requestTarget(request('/x'))).toBe(
      'request has neither a Host header nor an absolute URL',
    );
    expect(requestTarget(request('/x', ''))).toBe(
      'request has neither a Host header nor an absolute URL',
    );
  });

  it.each(['https://reviews/x', 'ftp://reviews/x', 'ws://reviews/x', 'reviews:80'])(
    'refuses the non-http absolute URL %s, naming its scheme',
    (url) => {
      expect(requestTarget(request(url, 'reviews'))).toMatch(/^absolute-form target of scheme "/);
    },
  );

  it.each(['*', 'not a url'])('refuses the unroutable request target %j', (url) => {
    expect(requestTarget(request(url, 'reviews'))).toBe(
      'the request target is neither a path nor an absolute URL',
    );
  });

  it('treats a missing url as "/"', () => {
    expect(targetOf(request(undefined, 'reviews'))).toEqual({
      host: 'reviews',
      port: 80,
      path: '/',
      query: '',
      pathAndQuery: '/',
    });
  });
});
