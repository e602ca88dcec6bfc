// One request's exchange through a listener: what every step of the request path is handed, and
// where each writes down what it decided (nothing of the proxy's is kept on Node's request).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Span } from '@opentelemetry/api';
import type { RequestTarget } from './http/request-target.js';
import type { TrafficEdge } from './metrics/traffic-stats.js';
import type { CompiledMatch, CompiledRoute, ExchangePolicy } from './routing/route-table.js';
import type { ExchangeNotes } from './telemetry/exchange-notes.js';
import type { BodyTee } from './upstream/body-tee.js';
import type { Cluster } from './upstream/cluster.js';
import type { Endpoint } from './upstream/endpoint.js';
import type { MeshTls } from './upstream/mesh-tls.js';
import type { ReplayBody } from './upstream/replay-body.js';
import type { RequestDeadline } from './resilience/request-deadline.js';
import type { RetryState } from './upstream/retry.layer.js';
import type { UpstreamTry } from './upstream/upstream-try.js';

/** What the exchange's owner (its listener) is told when the response is over. */
export interface ExchangeOwner {
  finished(ex: Exchange): void;
}

/** A policy for an exchange no route governs yet. */
const NO_POLICY: ExchangePolicy = { timeoutMs: 0 };

/**
 * Made by the listener when a request arrives, dropped when its response closes. Fields are filled
 * in as steps decide them, in pipeline order; a field a step has not reached yet is undefined.
 */
export class Exchange {
  /** The client's request and the response to it. */
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** This hop's server span: the parent of each try's client span. */
  readonly span: Span;
  /** What the access log records beyond the listener's own view; undefined when not logged. */
  readonly notes: ExchangeNotes | undefined;
  /** performance.now() when the request arrived. */
  readonly arrivedAt: number;
  /** The request's method index (`KNOWN_METHODS`): the listener's in-flight count by method. */
  readonly method: number;

  /**
   * The verified caller: the SPIFFE ID of the client certificate (mTLS) or of the bus call's subject;
   * undefined for plaintext. What authorization and the inbound stats read, never a header.
   */
  peer: string | undefined = undefined;
  /**
   * Whose certificate calls to meshed endpoints present: a node proxy's per-workload outbound
   * listener sets its workload's; undefined, the proxy's own.
   */
  callerTls: MeshTls | undefined = undefined;
  /** The traffic edge the request counts under; undefined: the listener's fallback. */
  edge: TrafficEdge | undefined = undefined;
  /** The index of the pipeline step to run next (a held exchange resumes there). */
  step = 0;
  /** The request waited for its host's destination to be read (it starts over once, not twice). */
  discovered = false;

  /** Where the request is going (host, path, query). */
  target: RequestTarget | undefined = undefined;
  /** The rule the request matched, and its route (policy, backends, filters). */
  match: CompiledMatch | undefined = undefined;
  route: CompiledRoute | undefined = undefined;
  /** Timeouts, retries and rewrites of the upstream exchange: the route's, or the local app's. */
  policy: ExchangePolicy = NO_POLICY;
  /** The Service the request goes to (the bus's stand-in once the transport is chosen). */
  cluster: Cluster | undefined = undefined;
  /** The path and query the upstream gets. */
  path = '';

  /** The body split between the main request and its mirrors; undefined without mirrors of a body. */
  tee: BodyTee | undefined = undefined;
  /** A copy of the body a retry may send again; undefined when none is kept. */
  replay: ReplayBody | undefined = undefined;
  /** The request may be sent again (by method and body): what a retry needs first of all. */
  resendable = false;

  /** The endpoint the first try goes to (picked before any try is sent). */
  first: Endpoint | undefined = undefined;
  /** The try in progress, reused by every try of the exchange. */
  upstream: UpstreamTry | undefined = undefined;
  /** The route's request timeout (`timeouts.request`); undefined without one. */
  deadline: RequestDeadline | undefined = undefined;
  /** Retries made or refused; undefined until the first retry is considered. */
  retry: RetryState | undefined = undefined;

  constructor(
    private readonly owner: ExchangeOwner,
    req: IncomingMessage,
    res: ServerResponse,
    span: Span,
    notes: ExchangeNotes | undefined,
    method: number,
    arrivedAt: number,
  ) {
    this.req = req;
    this.res = res;
    this.span = span;
    this.notes = notes;
    this.method = method;
    this.arrivedAt = arrivedAt;
    // `on`, not `once`: a response closes once, and `once` wraps every listener in two objects.
    res.on('close', this.closed);
  }

  /** The one listener of the response's close: the owner's accounting, then the upstream's cleanup. */
  private readonly closed = (): void => {
    this.owner.finished(this);
    this.deadline?.cancel();
    this.retry?.cancel(this);
    this.upstream?.downstreamClosed();
  };
}
