import { accessFor, requestTarget, type Access } from './access-policy.js';

const q = (query = ''): URLSearchParams => new URLSearchParams(query);

describe('accessFor', () => {
  it.each<[string, string, string, Access]>([
    ['GET', '/healthz', '', 'open'],
    ['GET', '/readyz', '', 'open'],
    ['GET', '/metrics', '', 'open'],
    ['GET', '/dashboard', '', 'open'],
    ['GET', '/dashboard/dashboard.js', '', 'open'],
    ['HEAD', '/dashboard/', '', 'open'],
    ['POST', '/v1/session', '', 'session'],
    ['DELETE', '/v1/session', '', 'session'],
    ['GET', '/v1/session', '', 'caller'],
    ['GET', '/v1/resources', 'kind=Service', 'read'],
    ['GET', '/v1/stream', '', 'read'],
    ['POST', '/v1/apply', 'dryRun=true', 'read'],
    ['POST', '/v1/apply', '', 'admin'],
    ['POST', '/v1/apply', 'dryRun=false', 'admin'],
    ['POST', '/v1/apply', 'dryRun=true&dryRun=false', 'admin'],
    ['DELETE', '/v1/resources/service/default/a', '', 'admin'],
    ['POST', '/v1/rollback/3', '', 'admin'],
    ['GET', '/v1/admin-tokens', '', 'admin'],
    ['POST', '/v1/admin-tokens', '', 'admin'],
    ['OPTIONS', '/v1/apply', '', 'admin'],
    ['PUT', '/healthz', '', 'admin'],
    ['POST', '/dashboard/dashboard.js', '', 'admin'],
    ['GET', '/v2/something-new', '', 'read'],
    ['PATCH', '/v2/something-new', '', 'admin'],
  ])('%s %s?%s needs %s', (method, path, query, access) => {
    expect(accessFor(method, path, q(query))).toBe(access);
  });

  it.each([
    '/V1/Admin-Tokens',
    '/v1/admin-tokens/',
    '/v1//admin-tokens',
    '/v1/admin%2Dtokens',
    '/v1/admin-tokens/alice',
  ])('keeps %s an admin read however it is spelled', (path) => {
    expect(accessFor('GET', path, q())).toBe('admin');
  });

  it('opens only the exact health paths, not look-alikes', () => {
    expect(accessFor('GET', '/healthz/../v1/resources', q())).toBe('read');
    expect(accessFor('GET', '/dashboard/../v1/stream', q())).toBe('read');
    expect(accessFor('GET', '/dashboard/a/b', q())).toBe('read');
  });

  it('needs admin for a path that does not decode', () => {
    expect(accessFor('GET', '/v1/%E0%A4%A', q())).toBe('admin');
  });
});

describe('requestTarget', () => {
  const accessOf = (method: string, target: string): Access => {
    const { path, query } = requestTarget(target);
    return accessFor(method, path, query);
  };

  it('reads the path and query of an origin-form target', () => {
    const { path, query } = requestTarget('/v1/apply?dryRun=true&x=1');
    expect([path, query.get('dryRun')]).toEqual(['/v1/apply', 'true']);
  });

  it('reads an absolute-form target by its path, as the router does', () => {
    expect(requestTarget('http://cp.example:15010/v1/admin-tokens?a=1').path).toBe(
      '/v1/admin-tokens',
    );
    expect(accessOf('GET', 'http://cp.example/v1/admin-tokens')).toBe('admin');
    expect(accessOf('POST', 'http://cp.example/v1/apply?dryRun=true')).toBe('read');
  });

  it('keeps a target starting with // a path, never a host', () => {
    expect(requestTarget('//v1/admin-tokens').path).toBe('//v1/admin-tokens');
    expect(accessOf('GET', '//v1/admin-tokens')).toBe('admin');
  });

  it('needs admin for what is no path at all (OPTIONS *)', () => {
    expect(accessOf('OPTIONS', '*')).toBe('admin');
  });
});
