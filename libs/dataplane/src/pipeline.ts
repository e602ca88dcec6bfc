// The request paths of the engine, composed top to bottom: outbound (mesh routing) and inbound (local app).
import { sendLocalReply } from './http/local-reply.js';
import { requestTarget } from './http/request-target.js';
import type { RequestHandler } from './http/http-listener.js';
import { pickBackend } from './routing/route-table.js';
import type { RouteTableHolder } from './routing/route-table-holder.js';
import type { Cluster } from './upstream/cluster.js';
import type { Forwarder } from './upstream/forwarder.js';

/** undici reads a zero timeout as "none". */
const NO_TIMEOUT = 0;

/**
 * Outbound: target (absolute URL or Host) → virtual host → route match → weighted backend →
 * endpoint (round robin) → upstream. Each step either continues or answers locally.
 */
export function outboundPipeline(routes: RouteTableHolder, forwarder: Forwarder): RequestHandler {
  return (req, res) => {
    const target = requestTarget(req);
    if (!target)
      return sendLocalReply(
        res,
        'bad_request',
        'request has neither a Host header nor an absolute URL',
      );
    const vhost = routes.current.host(target.host);
    if (!vhost) return sendLocalReply(res, 'no_route', `no route for host "${target.host}"`);
    const route = vhost.resolve(target.path, req.method ?? 'GET', req.headers);
    if (!route) {
      return sendLocalReply(
        res,
        'no_route',
        `no route of ${vhost.service} matches ${req.method} ${target.path}`,
      );
    }
    const backend = pickBackend(route);
    if (!backend?.cluster) {
      const why = backend
        ? `backend ${backend.name} does not resolve to a Service`
        : 'every backend weight is 0';
      return sendLocalReply(res, 'no_backend', `${route.name}: ${why}`);
    }
    forwarder.forward(req, res, backend.cluster, route.timeoutMs, target.pathAndQuery);
  };
}

/**
 * Inbound: every request goes to the local application. No timeout here: the caller's route
 * timeout governs the exchange (as Istio's inbound), so a long route is not cut at this hop.
 */
export function inboundPipeline(app: Cluster, forwarder: Forwarder): RequestHandler {
  return (req, res) => forwarder.forward(req, res, app, NO_TIMEOUT, req.url ?? '/');
}
