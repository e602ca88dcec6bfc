// Unit spec for requestTarget: host from the Host header or an absolute-form URL, path and query split.
import { describe, expect, it } from '@jest/globals';
import type { IncomingMessage } from 'node:http';
import { requestTarget } from './request-target.js';

function request(url: string | undefined, host?: string): IncomingMessage {
  return { url, headers: host === undefined ? {} : { host } } as unknown as IncomingMessage;
}

describe('requestTarget', () => {
  it('takes the host from the Host header, lower-cased and without port', () => {
    expect(requestTarget(request('/reviews/1?full=1', 'Reviews.Shop:9080'))).toEqual({
      host: 'reviews.shop',
      path: '/reviews/1',
      query: 'full=1',
      pathAndQuery: '/reviews/1?full=1',
    });
  });

  it('keeps a Host header without port as is (lower-cased)', () => {
    expect(requestTarget(request('/', 'REVIEWS'))?.host).toBe('reviews');
  });

  it('keeps the brackets of an IPv6 host and strips its port', () => {
    expect(requestTarget(request('/x', '[FE80::1]:8080'))?.host).toBe('[fe80::1]');
    expect(requestTarget(request('/x', '[::1]'))?.host).toBe('[::1]');
  });

  it('parses an absolute-form URL, ignoring the Host header', () => {
    expect(requestTarget(request('http://Reviews.default:80/x?q=1', 'other'))).toEqual({
      host: 'reviews.default',
      path: '/x',
      query: 'q=1',
      pathAndQuery: '/x?q=1',
    });
  });

  it('gives an absolute-form URL without path the path "/"', () => {
    expect(requestTarget(request('http://reviews'))).toEqual({
      host: 'reviews',
      path: '/',
      query: '',
      pathAndQuery: '/',
    });
  });

  it('parses an absolute-form URL with an IPv6 host', () => {
    expect(requestTarget(request('http://[::1]:8080/a?b'))).toMatchObject({
      host: '[::1]',
      path: '/a',
    });
  });

  it('returns undefined for an origin-form request without Host', () => {
    expect(requestTarget(request('/x'))).toBeUndefined();
    expect(requestTarget(request('/x', ''))).toBeUndefined();
  });

  it.each(['https://reviews/x', 'ftp://reviews/x', 'ws://reviews/x'])(
    'returns undefined for the non-http absolute URL %s',
    (url) => {
      expect(requestTarget(request(url, 'reviews'))).toBeUndefined();
    },
  );

  it.each(['*', 'reviews:80', 'not a url'])(
    'returns undefined for the unroutable request target %j',
    (url) => {
      expect(requestTarget(request(url, 'reviews'))).toBeUndefined();
    },
  );

  it('treats a missing url as "/"', () => {
    expect(requestTarget(request(undefined, 'reviews'))).toEqual({
      host: 'reviews',
      path: '/',
      query: '',
      pathAndQuery: '/',
    });
  });
});
