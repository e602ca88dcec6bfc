// Pipeline layer: a rule with RequestRedirect answers the 3xx itself; no backend is called.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestTarget } from '../http/request-target.js';
import type { CompiledMatch } from '../routing/route-table.js';
import { redirectLocation, sendRedirect, type RedirectSource } from './request-redirect.js';

/**
 * True when the matched rule redirects (the answer is sent). The scheme redirected from is the
 * listener's (`x-forwarded-proto`, which an edge listener sets itself); the host is the client's Host.
 */
export function redirected(
  match: CompiledMatch,
  target: RequestTarget,
  req: IncomingMessage,
  res: ServerResponse,
): boolean {
  const spec = match.route.redirect;
  if (spec === undefined) return false;
  const from: RedirectSource = {
    scheme: req.headers['x-forwarded-proto'] === 'https' ? 'https' : 'http',
    host: req.headers.host ?? target.host,
    path: target.path,
    query: target.query,
  };
  sendRedirect(res, spec, redirectLocation(spec, from, match.path.length));
  return true;
}
