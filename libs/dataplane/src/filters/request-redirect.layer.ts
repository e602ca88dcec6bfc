// Pipeline layer: a rule with RequestRedirect answers the 3xx itself; no backend is called.
import type { Exchange } from '../exchange.js';
import type { StepOutcome } from '../pipeline.js';
import {
  hostPort,
  redirectLocation,
  sendRedirect,
  type RedirectSource,
} from './request-redirect.js';

/**
 * Step, in the mesh: a redirecting rule's answer. The scheme redirected from is the listener's
 * (`x-forwarded-proto`); the host and the listener's port (the Service's) are the client's Host's.
 */
export function redirect(ex: Exchange): StepOutcome {
  return answer(ex, false);
}

/** Step, at the edge: the same, but the listener's port is the Gateway listener's own. */
export function edgeRedirect(ex: Exchange): StepOutcome {
  return answer(ex, true);
}

function answer(ex: Exchange, edge: boolean): StepOutcome {
  const match = ex.match!;
  const spec = match.route.redirect;
  if (spec === undefined) return 'next';
  const target = ex.target!;
  const headers = ex.req.headers;
  const host = headers.host ?? target.host;
  const from: RedirectSource = {
    scheme: headers['x-forwarded-proto'] === 'https' ? 'https' : 'http',
    host,
    listenerPort: edge ? ex.req.socket.localPort : hostPort(host),
    path: target.path,
    query: target.query,
  };
  sendRedirect(ex.res, spec, redirectLocation(spec, from, match.path.length));
  return 'answered';
}
