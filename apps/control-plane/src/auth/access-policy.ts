// Who may send which admin API request: nobody needs to (open), the login itself, or a caller with a role.
import type { AdminRole } from '@app/protocol';

/**
 * `open`: health, metrics and the dashboard's static files (which hold no data). `session`: the
 * login and logout, which carry or end their own credential. `caller`: anyone authenticated.
 * Else the role needed. Whatever this does not name needs `admin`: a new route is closed until
 * someone opens it here.
 */
export type Access = 'open' | 'session' | 'caller' | AdminRole;

const OPEN_READS = new Set(['/healthz', '/readyz', '/metrics', '/dashboard']);
const DASHBOARD_FILE = /^\/dashboard\/[^/]+$/;
const SESSION = '/v1/session';
/** Reads that tell more than the mesh's state: who holds which token. */
const ADMIN_READS = /^\/v1\/admin-tokens(\/|$)/;

export function accessFor(method: string, path: string, query: URLSearchParams): Access {
  const p = normalized(path);
  if (p === undefined) return 'admin';
  if (method === 'GET' || method === 'HEAD') {
    if (OPEN_READS.has(p) || DASHBOARD_FILE.test(p)) return 'open';
    if (p === SESSION) return 'caller';
    return ADMIN_READS.test(p) ? 'admin' : 'read';
  }
  if (p === SESSION && (method === 'POST' || method === 'DELETE')) return 'session';
  // A dry run changes nothing: what `weft diff` needs, for readers too.
  const dryRun = query.getAll('dryRun');
  if (method === 'POST' && p === '/v1/apply' && dryRun.length === 1 && dryRun[0] === 'true') {
    return 'read';
  }
  return 'admin';
}

/**
 * The path as the router may match it (case-insensitive, percent-decoded, repeated and trailing
 * slashes dropped), so that no spelling of an admin route passes for a reader's; undefined when it
 * does not decode.
 */
function normalized(path: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return undefined;
  }
  const p = decoded
    .toLowerCase()
    .replace(/\/{2,}/g, '/')
    .replace(/\/+$/, '');
  return p === '' ? '/' : p;
}

/**
 * The path and query of a request target as Express's router reads it (parseurl): an
 * absolute-form target (`GET http://host/v1/… HTTP/1.1`) by its path, any other up to `?`, as is
 * (`//v1/x` stays a path, never a host).
 */
export function requestTarget(target: string): { path: string; query: URLSearchParams } {
  const at = target.indexOf('?');
  const path = at === -1 ? target : target.slice(0, at);
  const query = new URLSearchParams(at === -1 ? '' : target.slice(at + 1));
  if (path.startsWith('/') || !URL.canParse(path)) return { path, query };
  return { path: new URL(path).pathname, query };
}
