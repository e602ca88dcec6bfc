// The request paths of the engine, composed top to bottom: outbound (mesh routing) and inbound (local app).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { redirected } from './filters/request-redirect.layer.js';
import { sendMirrors } from './filters/request-mirror.layer.js';
import { upstreamPath } from './filters/path-rewrite.js';
import { sendLocalReply } from './http/local-reply.js';
import { requestTarget } from './http/request-target.js';
import type { RequestHandler } from './http/http-listener.js';
import { CALLER_HEADER } from './http/forward-headers.js';
import { setRequestEdge } from './metrics/request-edge.js';
import type { TrafficStats } from './metrics/traffic-stats.js';
import {
  faultAborted,
  faultDelayed,
  type ResumeAfterDelay,
} from './resilience/fault-injection.layer.js';
import { rateLimited } from './resilience/rate-limit.layer.js';
import { backendCluster } from './routing/backend-pick.layer.js';
import {
  heldForDiscovery,
  type DestinationDiscovery,
  type StartOver,
} from './routing/destination-discovery.layer.js';
import { matchRoute, MESH_HOSTS, type HostSelector } from './routing/route-match.layer.js';
import { pickBackend, type ExchangePolicy } from './routing/route-table.js';
import type { RouteTableHolder } from './routing/route-table-holder.js';
import { notesOf, noteRoute } from './telemetry/exchange-notes.js';
import type { Cluster } from './upstream/cluster.js';
import type { Forwarder } from './upstream/forwarder.js';

/*
 * The contract of every step: a plain function of the request's values, no state of its own per
 * request. A step that answers the client itself (a local reply, a redirect, a request held for a
 * fault delay) says so and the pipeline stops there: predicates named after what happened
 * (`redirected`, `rateLimited`, `faultDelayed`, `faultAborted`) return true, lookups
 * (`matchRoute`, `backendCluster`) return undefined. Otherwise the request goes on to the next
 * step. Steps do not throw: failures are local replies; anything unexpected thrown reaches the
 * listener, which answers 500 internal_error. The last step hands the exchange to the forwarder.
 */

/**
 * The local application's exchange: no timeout (the caller's route timeout governs the exchange,
 * as Istio's inbound, so a long route is not cut at this hop), no rewrites.
 */
const LOCAL_APP: ExchangePolicy = { timeoutMs: 0 };

/**
 * Outbound: target → (an unknown host's destination read first) → virtual host and rule → redirect → weighted backend → local rate limit →
 * upstream path → fault delay → fault abort → mirrors → endpoint and upstream (the forwarder).
 * Faults come before mirrors, as Envoy's fault filter comes before its router: an aborted request is
 * not mirrored, a delayed one is mirrored once its delay is over.
 */
export function outboundPipeline(
  routes: RouteTableHolder,
  forwarder: Forwarder,
  stats: TrafficStats,
  hosts: HostSelector = MESH_HOSTS,
  /** An edge listener's own scheme: it, not what the client claims, is `x-forwarded-proto`. */
  scheme?: 'http' | 'https',
  /** A proxy that follows only its destinations: reads a host its table does not know. */
  discovery?: DestinationDiscovery,
): RequestHandler {
  /** The steps after the fault delay, where a delayed request resumes. */
  const toUpstream: ResumeAfterDelay = (req, res, cluster, route, path) => {
    if (faultAborted(cluster, res)) return;
    sendMirrors(forwarder, req, route, path);
    forwarder.forward(req, res, cluster, route, path);
  };

  /** A request that waited for its host's destination to be read starts over, once. */
  const afterDiscovery: StartOver = (req, res) => handle(req, res, true);

  const handle = (req: IncomingMessage, res: ServerResponse, discovered = false): void => {
    if (scheme) req.headers['x-forwarded-proto'] = scheme;
    const target = requestTarget(req);
    if (!target) return badRequest(res);
    if (
      !discovered &&
      heldForDiscovery(discovery, routes, hosts, target.host, req, res, afterDiscovery)
    )
      return;
    const match = matchRoute(routes.current, hosts, target, req, res);
    if (!match) return;
    if (redirected(match, target, req, res)) return;
    const route = match.route;
    const backend = pickBackend(route);
    setRequestEdge(req, stats.outbound(route, backend ?? undefined));
    const cluster = backendCluster(route, backend, res);
    if (!cluster) return;
    if (rateLimited(cluster, route, req, res)) return;
    const path = upstreamPath(match, target);
    noteRoute(req, route.name, cluster.key);
    if (faultDelayed(cluster, req, res, route, path, toUpstream)) return;
    toUpstream(req, res, cluster, route, path);
  };
  return handle;
}

function badRequest(res: ServerResponse): void {
  sendLocalReply(res, 'bad_request', 'request has neither a Host header nor an absolute URL');
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
