// The request paths of the engine, composed top to bottom: outbound (mesh routing) and inbound
// (local app), each a list of steps over one Exchange, the upstream half included.
import type { AuditLog } from './authorization/audit-log.js';
import { authorization } from './authorization/authorization.layer.js';
import type { InboundAuthorization } from './authorization/inbound-authorizations.js';
import type { Exchange } from './exchange.js';
import { requestMirrors } from './filters/request-mirror.layer.js';
import { edgeRedirect, redirect } from './filters/request-redirect.layer.js';
import { rewriteUpstreamPath } from './filters/path-rewrite.js';
import { edgeScheme } from './http/forward-headers.js';
import { sendLocalReply } from './http/local-reply.js';
import { refuseMalformed } from './http/malformed-request.layer.js';
import { readTarget } from './http/request-target.js';
import type { TrafficStats } from './metrics/traffic-stats.js';
import { faultAbort, faultDelay } from './resilience/fault-injection.layer.js';
import { rateLimit } from './resilience/rate-limit.layer.js';
import { startDeadline } from './resilience/request-deadline.js';
import { backendPick } from './routing/backend-pick.layer.js';
import {
  destinationDiscovery,
  type DestinationDiscovery,
} from './routing/destination-discovery.layer.js';
import { localApp } from './routing/local-app.layer.js';
import { passthrough, type Passthrough } from './passthrough/passthrough.layer.js';
import { MESH_HOSTS, routeMatch, type HostSelector } from './routing/route-match.layer.js';
import type { RouteTableHolder } from './routing/route-table-holder.js';
import { noteRoute } from './telemetry/exchange-notes.js';
import { admission } from './upstream/admission.layer.js';
import type { Cluster } from './upstream/cluster.js';
import { endpointPick } from './upstream/endpoint-pick.layer.js';
import type { Forwarder } from './upstream/forwarder.js';
import { keepReplayBody } from './upstream/request-body.js';
import { upgradeTunnel } from './upstream/upgrade-tunnel.js';
import { firstTry, type UpstreamContext } from './upstream/upstream-try.js';

/*
 * The contract of every step: `(ex) => outcome`, a function of the exchange (and of what it was
 * built with, once per listener), keeping no state of its own per request: what it decides it
 * writes on the exchange, for the steps after it. Its outcome says what happens next:
 *   'next'      the request goes on to the next step;
 *   'answered'  the step answered the client itself (a local reply, a redirect, a 429): the
 *               pipeline stops here;
 *   'held'      the step took the exchange on and finishes it later: a fault delay or a destination
 *               lookup (the request then resumes at the next step, or starts over), and the upstream
 *               half, which answers the client from the tries it makes.
 * Errors: a step does not throw for a failure it knows (that is an 'answered' local reply);
 * anything thrown is a bug, and the exchange is answered 500 internal_error (a reset, once its
 * headers are out), wherever the step ran from.
 */

/** What a step did with the exchange (see above). */
export type StepOutcome = 'next' | 'answered' | 'held';

/** One step of a request path. */
export type Step = (ex: Exchange) => StepOutcome;

/** A whole request path: what a listener hands each exchange to. */
export type ExchangeHandler = (ex: Exchange) => void;

/**
 * Outbound: malformed requests refused → (an edge listener's own scheme) → target → (an unknown host's destination read first)
 * → virtual host and rule (a sidecar's unknown address passed through) → redirect → weighted backend (and the traffic edge) → local rate limit
 * → upstream path → access-log notes → fault delay → fault abort → mirrors → the upstream half.
 * Faults come before mirrors, as Envoy's fault filter comes before its router: an aborted request
 * is not mirrored, a delayed one is mirrored once its delay is over.
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
  /** A sidecar or node proxy: passes a request for an address its table does not know through. */
  through?: Passthrough,
): ExchangeHandler {
  const steps: Step[] = [];
  const run = runner(steps);
  /** A request that waited for its host's destination to be read starts over, once. */
  const startOver = (ex: Exchange): void => {
    ex.step = 0;
    run(ex);
  };
  steps.push(refuseMalformed); //                          http/malformed-request.layer.ts
  if (scheme) steps.push(edgeScheme(scheme));
  steps.push(
    readTarget, //                                         http/request-target.ts
    destinationDiscovery(discovery, routes, hosts, startOver), // routing/destination-discovery.layer.ts
    routeMatch(routes, hosts, through && passthrough(through)), // routing/route-match.layer.ts, passthrough/passthrough.layer.ts
    scheme ? edgeRedirect : redirect, //                   filters/request-redirect.layer.ts
    backendPick(stats), //                                 routing/backend-pick.layer.ts
    rateLimit, //                                          resilience/rate-limit.layer.ts
    rewriteUpstreamPath, //                                filters/path-rewrite.ts
    noteRoute, //                                          telemetry/exchange-notes.ts
    faultDelay(run), //                                    resilience/fault-injection.layer.ts
    faultAbort, //                                         resilience/fault-injection.layer.ts
    requestMirrors(forwarder), //                          filters/request-mirror.layer.ts
    ...upstreamHalf(forwarder),
  );
  return run;
}

/** A workload's inbound authorization: its AuthorizationPolicies, and where AUDIT lines go. */
export interface InboundAuthorizationStep {
  readonly inbound: InboundAuthorization;
  readonly listener: string;
  readonly audits?: AuditLog;
}

/**
 * Inbound: malformed requests refused, then every request goes to the local application, counted
 * by the calling service, through the same upstream half (no retries, no timeout of its own), once
 * the workload's AuthorizationPolicies allow it (a workload's inbound, and a router's bus path to
 * a Service it fronts). With `h2cApp`, an HTTP/2 request goes to the app over h2c.
 */
export function inboundPipeline(
  app: Cluster,
  forwarder: Forwarder,
  stats: TrafficStats,
  h2cApp?: Cluster,
  /** The Service the app is an instance of (`<namespace>/<service>`): a node proxy's workload's. */
  destination?: string,
  authz?: InboundAuthorizationStep,
): ExchangeHandler {
  const steps: Step[] = [
    refuseMalformed, //                                    http/malformed-request.layer.ts
    localApp(stats, app, h2cApp, destination), //         routing/local-app.layer.ts
  ];
  if (authz) steps.push(authorization(authz.inbound, authz.listener, authz.audits)); // authorization/authorization.layer.ts
  steps.push(...upstreamHalf(forwarder));
  return runner(steps);
}

/**
 * The upstream half: the Service's transport and the first endpoint → an upgrade's tunnel →
 * admission (circuit breaker, retry budget) → the request timeout → the body a retry may resend →
 * the first try. From there each try (upstream/upstream-try.ts: one dispatch, its span, its
 * per-try timeout) hands what it did not pass on to the retry layer (upstream/retry.layer.ts):
 * the retry decision (resilience/retry-decision.ts), a failover to an untried endpoint
 * (upstream/endpoint-failure.ts), the retry's admission (upstream/admission.layer.ts), its backoff
 * (resilience/retry-backoff.ts), then the next try; or the client's local reply.
 */
export function upstreamHalf(forwarder: UpstreamContext): Step[] {
  return [
    endpointPick(forwarder.bus), //                        upstream/endpoint-pick.layer.ts
    upgradeTunnel(forwarder), //                           upstream/upgrade-tunnel.ts
    admission(forwarder.overflowed), //                    upstream/admission.layer.ts
    startDeadline, //                                      resilience/request-deadline.ts
    keepReplayBody, //                                     upstream/request-body.ts
    firstTry(forwarder), //                                upstream/upstream-try.ts
  ];
}

/**
 * Runs the steps from the exchange's `step` on, until one does not say 'next'; a held exchange
 * resumes through the same function. A throw answers 500 (see the contract above).
 */
function runner(steps: readonly Step[]): ExchangeHandler {
  return (ex) => {
    try {
      while (ex.step < steps.length) if (steps[ex.step++](ex) !== 'next') return;
    } catch (err) {
      sendLocalReply(ex.res, 'internal_error', `proxy error: ${(err as Error).message}`);
    }
  };
}
