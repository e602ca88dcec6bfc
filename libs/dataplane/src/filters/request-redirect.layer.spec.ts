// Unit spec for the redirect layer: a redirecting rule answers 3xx from the listener's scheme and the Host.
import { describe, expect, it } from '@jest/globals';
import type { HTTPRequestRedirectFilter } from '@app/protocol';
import { fakeExchange, fakeRequest, recordedResponse } from '../http/http-doubles.testing.js';
import { readTarget } from '../http/request-target.js';
import { compilePathMatcher } from '../routing/path-matcher.js';
import type { CompiledMatch, CompiledRoute } from '../routing/route-table.js';
import { edgeRedirect, redirect } from './request-redirect.layer.js';

function matched(redirect?: HTTPRequestRedirectFilter): CompiledMatch {
  const route = { name: 'r', redirect } as CompiledRoute;
  const path = compilePathMatcher({ type: 'PathPrefix', value: '/old' });
  return { path, method: undefined, headers: [], query: [], route };
}

/** The redirect step (`edge`: at a Gateway listener bound to `localPort`) on a request for /old/x. */
function run(match: CompiledMatch, headers: Record<string, string>, edge?: { localPort: number }) {
  const res = recordedResponse();
  const req = fakeRequest({ url: '/old/x?q=1', headers });
  if (edge) Object.assign(req.socket, edge);
  const ex = fakeExchange(req, res);
  readTarget(ex);
  ex.match = match;
  return { done: (edge ? edgeRedirect : redirect)(ex), res };
}

describe('redirect', () => {
  it('goes on for a rule without RequestRedirect', () => {
    const { done, res } = run(matched(), { host: 'shop.test' });
    expect(done).toBe('next');
    expect(res.headersSent).toBe(false);
  });

  it('answers the redirect with a Location built from the Host, path prefix and query', () => {
    const spec: HTTPRequestRedirectFilter = {
      statusCode: 301,
      path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/new' },
    };
    const { done, res } = run(matched(spec), { host: 'shop.test:8080' });
    expect(done).toBe('answered');
    expect([res.status, res.sentHeaders.location]).toEqual([
      301,
      'http://shop.test:8080/new/x?q=1',
    ]);
  });

  it('redirects from https when the listener says so (x-forwarded-proto)', () => {
    const { res } = run(matched({ hostname: 'www.shop.test' }), {
      host: 'shop.test',
      'x-forwarded-proto': 'https',
    });
    expect([res.status, res.sentHeaders.location]).toEqual([
      302,
      'https://www.shop.test/old/x?q=1',
    ]);
  });

  it("at the edge, keeps the Gateway listener's port, not the Host's", () => {
    const { res } = run(matched({}), { host: 'shop.test' }, { localPort: 8080 });
    expect(res.sentHeaders.location).toBe('http://shop.test:8080/old/x?q=1');
    const https = run(
      matched({}),
      { host: 'shop.test:9', 'x-forwarded-proto': 'https' },
      { localPort: 443 },
    );
    expect(https.res.sentHeaders.location).toBe('https://shop.test/old/x?q=1');
  });
});
