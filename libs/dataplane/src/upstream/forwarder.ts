// What the upstream layers of one kind of listener share (pools or the bus, tracer, timeouts, the
// caller announced, the retry and overflow counters), and the mirrors' fire-and-forget copies.
import type { Dispatcher } from 'undici';
import type { Exchange } from '../exchange.js';
import { upstreamHeaders } from '../http/forward-headers.js';
import type { ProxyMetrics } from '../metrics/proxy-metrics.js';
import type { CompiledMirror } from '../routing/route-table.js';
import type { HopTracer } from '../telemetry/hop-tracer.js';
import type { BusRoutes } from '../bus/bus-routes.js';
import type { OverflowCount } from './admission.layer.js';
import type { PoolRegistry } from './pool-registry.js';
import { mirrorBody } from './request-body.js';
import { isUpgrade } from './upgrade-tunnel.js';
import type { DispatcherSource, UpstreamContext } from './upstream-try.js';

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

export class Forwarder implements UpstreamContext {
  readonly pools: DispatcherSource;
  readonly ejectMs: number;
  readonly bodyTimeoutMs: number;
  readonly caller: string;
  readonly retried: (reason: string) => void;
  readonly overflowed: OverflowCount;

  constructor(
    pools: PoolRegistry,
    metrics: ProxyMetrics,
    readonly tracer: HopTracer,
    options: ForwarderOptions = DEFAULT_FORWARDER_OPTIONS,
    /** Services whose transport is `bus`: their tries go over NATS. */
    readonly bus?: BusRoutes,
  ) {
    this.pools = bus ? bus.dispatchers(pools) : pools;
    this.ejectMs = options.ejectMs;
    this.bodyTimeoutMs = options.bodyTimeoutMs;
    this.caller = options.caller;
    this.retried = (reason) => metrics.upstreamRetries.inc({ reason });
    this.overflowed = (reason) => metrics.upstreamOverflows.inc({ reason });
  }

  /**
   * Sends a copy to a mirror, fire and forget: its answer is discarded and never delays the main
   * exchange. A body is teed (`mirrorBody`): a mirror that falls `MIRROR_BUFFER_BYTES` behind is
   * dropped. Upgrades are not mirrored (a mirror cannot take over a connection). Runs before the
   * first try, in the same tick.
   */
  mirror(ex: Exchange, mirror: CompiledMirror): void {
    const req = ex.req;
    if (isUpgrade(req) || !mirror.cluster) return;
    if (mirror.percent < 100 && Math.random() * 100 >= mirror.percent) return;
    // A bus Service is mirrored over the bus too.
    const cluster = this.bus?.clusterFor(mirror.cluster.key) ?? mirror.cluster;
    const endpoint = cluster.pick();
    if (!endpoint) return;
    const policy = ex.policy;
    const options: Dispatcher.DispatchOptions = {
      path: ex.path,
      method: req.method ?? 'GET',
      headers: upstreamHeaders(req, policy, '', this.caller),
      body: mirrorBody(ex),
      headersTimeout: policy.timeoutMs,
      bodyTimeout: this.bodyTimeoutMs,
    };
    this.pools
      .get(
        endpoint.origin,
        { protocol: cluster.policy.protocol, tls: cluster.policy.tls },
        ex.callerTls ? ex.callerTls.instead(endpoint.tls) : endpoint.tls,
      )
      .dispatch(options, DISCARD);
  }
}

/** Reads and drops a mirror's answer (`onRequestStart` marks it as undici's current handler API). */
const DISCARD: Dispatcher.DispatchHandler = {
  onRequestStart: () => undefined,
  onResponseData: () => undefined,
  onResponseEnd: () => undefined,
  onResponseError: () => undefined,
};
