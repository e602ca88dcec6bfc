// Pipeline layer: a rule with RequestRedirect answers the 3xx itself; no backend is called.
import type { Exchange } from '../exchange.js';
import type { StepOutcome } from '../pipeline.js';
import { redirectLocation, sendRedirect, type RedirectSource } from './request-redirect.js';

/**
 * Step: a redirecting rule's answer. The scheme redirected from is the listener's
 * (`x-forwarded-proto`, which an edge listener sets itself); the host is the client's Host.
 */
export function redirect(ex: Exchange): StepOutcome {
  const match = ex.match!;
  const spec = match.route.redirect;
  if (spec === undefined) return 'next';
  const target = ex.target!;
  const headers = ex.req.headers;
  const from: RedirectSource = {
    scheme: headers['x-forwarded-proto'] === 'https' ? 'https' : 'http',
    host: headers.host ?? target.host,
    path: target.path,
    query: target.query,
  };
  sendRedirect(ex.res, spec, redirectLocation(spec, from, match.path.length));
  return 'answered';
}
