// The request paths of the engine, composed top to bottom: outbound (mesh routing) and inbound (local app).
import { redirectLocation, sendRedirect } from './filters/request-redirect.js';
import { rewritePath } from './filters/path-rewrite.js';
import { sendLocalReply } from './http/local-reply.js';
import { requestTarget } from './http/request-target.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from './http/http-listener.js';
import {
  pickBackend,
  type ExchangePolicy,
  type RouteTable,
  type VirtualHost,
} from './routing/route-table.js';
import type { RouteTableHolder } from './routing/route-table-holder.js';
import type { Cluster } from './upstream/cluster.js';
import type { Forwarder } from './upstream/forwarder.js';
import { notesOf } from './telemetry/exchange-notes.js';
import { rateLimited } from './resilience/rate-limit.layer.js';
import { CALLER_HEADER } from './http/forward-headers.js';
import { setRequestEdge } from './metrics/request-edge.js';
import type { TrafficStats } from './metrics/traffic-stats.js';

/**
 * The local application's exchange: no timeout (the caller's route timeout governs the exchange,
 * as Istio's inbound, so a long route is not cut at this hop), no rewrites.
 */
const LOCAL_APP: ExchangePolicy = { timeoutMs: 0 };

/** How a listener finds a request's virtual host in the table: by mesh name, or by Gateway listener port. */
export type HostSelector = (table: RouteTable, host: string) => VirtualHost | undefined;

const MESH_HOSTS: HostSelector = (table, host) => table.host(host);

/**
 * Outbound: target (absolute URL or Host) → virtual host → route match → redirect? → weighted
 * backend → local rate limit → path rewrite → mirrors → fault injection → endpoint (load balancer) → upstream. Each step either
 * continues or answers locally.
 */
export function outboundPipeline(
  routes: RouteTableHolder,
  forwarder: Forwarder,
  stats: TrafficStats,
  hosts: HostSelector = MESH_HOSTS,
  /** An edge listener's own scheme: it, not what the client claims, is `x-forwarded-proto`. */
  scheme?: 'http' | 'https',
): RequestHandler {
  const handle = (req: IncomingMessage, res: ServerResponse, waited = false): void => {
    if (scheme) req.headers['x-forwarded-proto'] = scheme;
    const target = requestTarget(req);
    if (!target) {
      return sendLocalReply(
        res,
        'bad_request',
        'request has neither a Host header nor an absolute URL',
      );
    }
    const vhost = hosts(routes.current, target.host);
    if (!vhost) return unknownHost(routes, target.host, res, waited ? undefined : handle, req);
    const method = req.method ?? 'GET';
    const match = vhost.resolve(target.path, target.query, method, req.headers);
    if (!match) {
      return sendLocalReply(
        res,
        'no_route',
        `no route of ${vhost.service} matches ${method} ${target.path}`,
      );
    }
    const route = match.route;
    if (route.redirect) {
      const from = {
        scheme:
          req.headers['x-forwarded-proto'] === 'https' ? ('https' as const) : ('http' as const),
        host: req.headers.host ?? target.host,
        path: target.path,
        query: target.query,
      };
      return sendRedirect(
        res,
        route.redirect,
        redirectLocation(route.redirect, from, match.path.length),
      );
    }
    const backend = pickBackend(route);
    setRequestEdge(req, stats.outbound(route, backend ?? undefined));
    if (!backend?.cluster) {
      const why = backend
        ? `backend ${backend.name} does not resolve to a Service`
        : 'every backend weight is 0';
      return sendLocalReply(res, 'no_backend', `${route.name}: ${why}`);
    }
    if (rateLimited(backend.cluster, route, req, res)) return;
    const path = route.pathRewrite
      ? rewritePath(route.pathRewrite, target.path, target.query, match.path.length)
      : target.pathAndQuery;
    for (const mirror of route.mirrors) forwarder.mirror(req, mirror, route, path);
    const cluster = backend.cluster;
    const notes = notesOf(req);
    if (notes) {
      notes.route = route.name;
      notes.upstream = cluster.key;
    }
    const faults = cluster.faults;
    if (faults) {
      // Istio's order: an abort answers at once; a delay holds the request, then it goes on.
      if (chance(faults.abortPercent)) {
        return sendLocalReply(
          res,
          'fault_abort',
          `${cluster.key}: injected fault`,
          faults.abortStatus,
        );
      }
      if (chance(faults.delayPercent)) {
        setTimeout(
          () => res.destroyed || forwarder.forward(req, res, cluster, route, path),
          faults.delayMs,
        );
        return;
      }
    }
    forwarder.forward(req, res, cluster, route, path);
  };
  return handle;
}

/**
 * A host the table does not know: a proxy that follows only its destinations reads the one it
 * names and routes the request again, once (`again` undefined: it did); otherwise 404.
 */
function unknownHost(
  routes: RouteTableHolder,
  host: string,
  res: ServerResponse,
  again: ((req: IncomingMessage, res: ServerResponse, waited: boolean) => void) | undefined,
  req: IncomingMessage,
): void {
  const lookup = again && routes.discover?.(host);
  if (lookup) return void lookup.then(() => again(req, res, true));
  sendLocalReply(res, 'no_route', `no route for host "${host}"`);
}

/** True for `percent` in 100 calls, on average. */
function chance(percent: number): boolean {
  return percent > 0 && Math.random() * 100 < percent;
}

/**
 * Inbound: every request goes to the local application, counted by the calling service. With
 * `h2cApp`, an HTTP/2 request goes to the app over h2c: callers speak h2c to this hop only for a
 * Service whose port says its app does (`appProtocol`).
 */
export function inboundPipeline(
  app: Cluster,
  forwarder: Forwarder,
  stats: TrafficStats,
  h2cApp?: Cluster,
  /** The Service the app is an instance of (`<namespace>/<service>`): a node proxy's workload's. */
  destination?: string,
): RequestHandler {
  return (req, res) => {
    const caller = req.headers[CALLER_HEADER];
    const source = typeof caller === 'string' ? caller : undefined;
    setRequestEdge(req, stats.inbound(source, destination));
    const notes = notesOf(req);
    if (notes) notes.upstream = app.key;
    const local = h2cApp && req.httpVersionMajor === 2 ? h2cApp : app;
    forwarder.forward(req, res, local, LOCAL_APP, req.url ?? '/');
  };
}
