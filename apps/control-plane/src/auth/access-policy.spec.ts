import { accessFor, type Access } from './access-policy.js';

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
