// Sends a downstream request to one endpoint of a cluster and streams the answer back.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import { upstreamRequestHeaders } from '../http/forward-headers.js';
import { sendLocalReply } from '../http/local-reply.js';
import type { Cluster } from './cluster.js';
import type { PoolRegistry } from './pool-registry.js';
import { UpstreamExchange, type ExchangeContext } from './upstream-exchange.js';
import type { ProxyMetrics } from '../metrics/proxy-metrics.js';
import { traceparentOf, type HopTracer } from '../telemetry/hop-tracer.js';

/** RFC 9110 §9.2.2 idempotent methods. */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

export interface ForwarderOptions {
  readonly ejectMs: number;
  /** Idle time allowed between response body chunks. */
  readonly bodyTimeoutMs: number;
}

export const DEFAULT_FORWARDER_OPTIONS: ForwarderOptions = {
  ejectMs: 5_000,
  bodyTimeoutMs: 300_000,
};

export class Forwarder {
  private readonly ctx: ExchangeContext;

  constructor(
    pools: PoolRegistry,
    metrics: ProxyMetrics,
    private readonly tracer: HopTracer,
    private readonly options: ForwarderOptions = DEFAULT_FORWARDER_OPTIONS,
  ) {
    this.ctx = {
      pools,
      ejectMs: options.ejectMs,
      onRetry: (reason) => metrics.upstreamRetries.inc({ reason }),
    };
  }

  forward(
    req: IncomingMessage,
    res: ServerResponse,
    cluster: Cluster,
    timeoutMs: number,
    pathAndQuery: string,
  ): void {
    const first = cluster.pick();
    if (!first) {
      sendLocalReply(res, 'no_endpoints', `no healthy endpoints for ${cluster.key}`);
      return;
    }
    const method = req.method ?? 'GET';
    const span = this.tracer.client(req, cluster.key);
    const withBody = hasBody(req);
    const options: Dispatcher.DispatchOptions = {
      path: pathAndQuery,
      method,
      headers: upstreamRequestHeaders(req, 'http', traceparentOf(span)),
      body: withBody ? req : null,
      headersTimeout: timeoutMs,
      bodyTimeout: this.options.bodyTimeoutMs,
    };
    const retryable = !withBody && IDEMPOTENT.has(method);
    new UpstreamExchange(this.ctx, req, res, cluster, options, retryable, span).send(first);
  }
}

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}
