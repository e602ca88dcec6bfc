// Sends a downstream request to one endpoint of a cluster and streams the answer back.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import { MIRROR_BUFFER_BYTES } from '@app/protocol';
import { replaceHost, upstreamRequestHeaders } from '../http/forward-headers.js';
import type { CompiledMirror, ExchangePolicy } from '../routing/route-table.js';
import { sendLocalReply } from '../http/local-reply.js';
import type { Cluster } from './cluster.js';
import type { Endpoint } from './endpoint.js';
import type { PoolRegistry } from './pool-registry.js';
import { OVERFLOW_HEADER, UpstreamExchange, type ExchangeContext } from './upstream-exchange.js';
import type { ProxyMetrics } from '../metrics/proxy-metrics.js';
import type { BusRoutes } from '../bus/bus-routes.js';
import { traceparentOf, type HopTracer } from '../telemetry/hop-tracer.js';
import { undiciHeadersTimeout } from '../resilience/try-timeout.js';
import { isUpgrade, openUpgradeTunnel, withUpgrade } from './upgrade-tunnel.js';
import { ReplayBody } from './replay-body.js';
import { BodyTee } from './body-tee.js';

/** RFC 9110 §9.2.2 idempotent methods. */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

export interface ForwarderOptions {
  readonly ejectMs: number;
  /** Idle time allowed between response body chunks. */
  readonly bodyTimeoutMs: number;
  /** `<namespace>/<service>` announced to the upstream as the caller (`x-weft-caller`); '' for none. */
  readonly caller: string;
}

export const DEFAULT_FORWARDER_OPTIONS: ForwarderOptions = {
  ejectMs: 5_000,
  bodyTimeoutMs: 300_000,
  caller: '',
};

export class Forwarder {
  private readonly ctx: ExchangeContext;

  constructor(
    pools: PoolRegistry,
    metrics: ProxyMetrics,
    private readonly tracer: HopTracer,
    private readonly options: ForwarderOptions = DEFAULT_FORWARDER_OPTIONS,
    /** Services whose transport is `bus`: their tries go over NATS. */
    private readonly bus?: BusRoutes,
  ) {
    this.ctx = {
      pools: bus ? bus.dispatchers(pools) : pools,
      ejectMs: options.ejectMs,
      onRetry: (reason) => metrics.upstreamRetries.inc({ reason }),
      onOverflow: (reason) => metrics.upstreamOverflows.inc({ reason }),
    };
  }

  forward(
    req: IncomingMessage,
    res: ServerResponse,
    cluster: Cluster,
    policy: ExchangePolicy,
    pathAndQuery: string,
  ): void {
    // The same routing decision either way; only the transport to the chosen Service differs. The
    // bus carries request/reply exchanges, not a socket to hand over: an upgrade goes direct.
    const upgrade = isUpgrade(req);
    if (!upgrade) cluster = this.bus?.clusterFor(cluster.key) ?? cluster;
    const first = cluster.pick(undefined, req.headers);
    if (!first) {
      sendLocalReply(res, 'no_endpoints', `no healthy endpoints for ${cluster.key}`);
      return;
    }
    if (upgrade) return this.upgrade(req, res, cluster, first, policy, pathAndQuery);
    if (cluster.policy.breaker?.pendingFull(first.origin)) {
      // Envoy answers 503 with x-envoy-overloaded; the header here also says which limit.
      this.ctx.onOverflow('pending');
      const message = `${cluster.key}: too many requests waiting for a connection`;
      sendLocalReply(res, 'upstream_overflow', message, 503, { [OVERFLOW_HEADER]: 'pending' });
      return;
    }
    cluster.policy.retryBudget?.deposit();
    const method = req.method ?? 'GET';
    const span = this.tracer.client(req, cluster.key);
    const withBody = hasBody(req);
    const options: Dispatcher.DispatchOptions = {
      path: pathAndQuery,
      method,
      headers: this.headers(req, policy, traceparentOf(span)),
      body: withBody ? (BodyTee.mainOf(req) ?? req) : null,
      headersTimeout: undiciHeadersTimeout(policy.timeoutMs),
      bodyTimeout: this.options.bodyTimeoutMs,
    };
    const replay = withBody && policy.retry ? this.replayBody(req, cluster) : undefined;
    const retryable =
      replay !== undefined ||
      (!withBody && (IDEMPOTENT.has(method) || cluster.policy.retryNonIdempotent));
    const exchange = new UpstreamExchange(
      this.ctx,
      req,
      res,
      cluster,
      options,
      retryable,
      span,
      policy,
      replay,
    );
    exchange.send(first);
  }

  /**
   * A bounded copy of a gRPC call's body, for a Service with `grpcRetry` (Envoy resends gRPC calls
   * whatever their method). Over h2c only, which every gRPC Service is here: its client starts
   * reading the body in the same tick as the copy, where undici's pool may wait for a connection.
   */
  private replayBody(req: IncomingMessage, cluster: Cluster): ReplayBody | undefined {
    const { grpcRetry, protocol } = cluster.policy;
    if (!grpcRetry || protocol !== 'h2c') return undefined;
    const type = req.headers['content-type'];
    if (type === undefined || !type.startsWith('application/grpc')) return undefined;
    return new ReplayBody(req, grpcRetry.bufferBytes);
  }

  /**
   * An Upgrade (WebSocket) request: one try, to the first endpoint that accepts a connection, then
   * a tunnel.
   */
  private upgrade(
    req: IncomingMessage,
    res: ServerResponse,
    cluster: Cluster,
    first: Endpoint,
    policy: ExchangePolicy,
    pathAndQuery: string,
  ): void {
    const span = this.tracer.client(req, cluster.key);
    const headers = withUpgrade(
      this.headers(req, policy, traceparentOf(span)),
      String(req.headers.upgrade),
    );
    const options = {
      path: pathAndQuery,
      headers,
      timeoutMs: policy.timeoutMs,
      ejectMs: this.options.ejectMs,
    };
    openUpgradeTunnel(req, res, cluster, first, options, span);
  }

  /**
   * Sends a copy to a mirror, fire and forget: its answer is discarded and never delays the main
   * exchange. A body is teed (`BodyTee`): a mirror that falls `MIRROR_BUFFER_BYTES` behind is
   * dropped. Upgrades are not mirrored (a mirror cannot take over a connection). Runs before
   * `forward`, in the same tick.
   */
  mirror(
    req: IncomingMessage,
    mirror: CompiledMirror,
    policy: ExchangePolicy,
    pathAndQuery: string,
  ): void {
    if (isUpgrade(req) || !mirror.cluster) return;
    if (mirror.percent < 100 && Math.random() * 100 >= mirror.percent) return;
    // A bus Service is mirrored over the bus too.
    const cluster = this.bus?.clusterFor(mirror.cluster.key) ?? mirror.cluster;
    const endpoint = cluster.pick();
    if (!endpoint) return;
    const options: Dispatcher.DispatchOptions = {
      path: pathAndQuery,
      method: req.method ?? 'GET',
      headers: this.headers(req, policy, ''),
      body: hasBody(req) ? BodyTee.of(req, MIRROR_BUFFER_BYTES).branch() : null,
      headersTimeout: policy.timeoutMs,
      bodyTimeout: this.options.bodyTimeoutMs,
    };
    this.ctx.pools
      .get(endpoint.origin, { protocol: cluster.policy.protocol, tls: cluster.policy.tls })
      .dispatch(options, DISCARD);
  }

  /** Upstream headers: forwarded set, then URLRewrite's host, then RequestHeaderModifier. */
  private headers(req: IncomingMessage, policy: ExchangePolicy, traceparent: string): string[] {
    const headers = upstreamRequestHeaders(req, 'http', traceparent, this.options.caller);
    const hosted = policy.hostRewrite ? replaceHost(headers, policy.hostRewrite) : headers;
    return policy.requestHeaders ? policy.requestHeaders.applyToFlat(hosted) : hosted;
  }
}

/** Reads and drops a mirror's answer (`onRequestStart` marks it as undici's current handler API). */
const DISCARD: Dispatcher.DispatchHandler = {
  onRequestStart: () => undefined,
  onResponseData: () => undefined,
  onResponseEnd: () => undefined,
  onResponseError: () => undefined,
};

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}
