// How callers treat one Service, as one immutable object that a config commit replaces whole: the
// compiled TrafficPolicy, how its endpoints are dialled, and the stateful parts built from them.
import { createBalancer } from './balancers/create-balancer.js';
import type { BalancerSettings, LoadBalancer } from './balancers/load-balancer.js';
import type { LocalitySettings } from './balancers/locality-levels.js';
import { OutlierDetector, type OutlierSettings } from './outlier-detector.js';
import type { PoolVariant, UpstreamConnection } from './pool-registry.js';
import type { UpstreamProtocol } from './upstream-protocol.js';
import type { UpstreamTls } from './upstream-tls.js';
import { CircuitBreaker, type CircuitLimits } from '../resilience/circuit-breaker.js';
import { LocalRateLimiter, type RateLimitSettings } from '../resilience/local-rate-limit.js';
import { RetryBudget, type RetryBudgetSettings } from '../resilience/retry-budget.js';

/** Istio-style fault injection, compiled: percentages 0–100. */
export interface FaultSettings {
  readonly delayPercent: number;
  readonly delayMs: number;
  readonly abortPercent: number;
  readonly abortStatus: number;
}

/** gRPC statuses a route's retry resends, and how much of a request body is kept to resend it. */
export interface GrpcRetrySettings {
  readonly codes: readonly number[];
  readonly bufferBytes: number;
}

/** A TrafficPolicy compiled for one Service (plain data); undefined fields keep the defaults. */
export interface TrafficSettings {
  readonly loadBalancer: BalancerSettings;
  /** Locality load balancing around `loadBalancer`: priority levels or weights by locality. */
  readonly locality?: LocalitySettings;
  readonly outlier?: OutlierSettings;
  readonly faults?: FaultSettings;
  readonly limits?: CircuitLimits;
  readonly retryBudget?: RetryBudgetSettings;
  /** Bodiless non-idempotent requests may be retried too. */
  readonly retryNonIdempotent?: boolean;
  readonly rateLimit?: RateLimitSettings;
  readonly grpcRetry?: GrpcRetrySettings;
}

export const DEFAULT_TRAFFIC: TrafficSettings = { loadBalancer: { type: 'RoundRobin' } };

/** How a Service's endpoints are dialled: its port's `appProtocol`, an ExternalService's `tls`. */
export interface ConnectionSettings {
  readonly protocol: UpstreamProtocol;
  /** TLS origination: ALPN then picks HTTP/2 or HTTP/1.1, whatever `protocol` says. */
  readonly tls?: UpstreamTls;
}

export const PLAIN_HTTP1: ConnectionSettings = { protocol: 'http1' };

/**
 * Never changed in place: a commit swaps a cluster's policy for the next one. Its stateful parts
 * (balancer, outlier detector, breaker, budget, limiter) are each carried into the next policy
 * unless that part's settings changed, so their counts survive a commit that leaves them alone.
 */
export interface ClusterPolicy extends UpstreamConnection {
  readonly traffic: TrafficSettings;
  readonly protocol: UpstreamProtocol;
  readonly tls: UpstreamTls | undefined;
  /** Its own connection limits (TrafficPolicy `connectionPool`); undefined for the shared defaults. */
  readonly poolVariant: PoolVariant | undefined;
  readonly balancer: LoadBalancer;
  readonly outlier: OutlierDetector | undefined;
  readonly breaker: CircuitBreaker | undefined;
  readonly retryBudget: RetryBudget | undefined;
  readonly rateLimiter: LocalRateLimiter | undefined;
  readonly faults: FaultSettings | undefined;
  readonly grpcRetry: GrpcRetrySettings | undefined;
  readonly retryNonIdempotent: boolean;
}

/**
 * The policy `traffic` and `connection` make, after `previous` (the cluster's current one, whose
 * parts it keeps where their settings are the same). Builds new parts only: nothing that serves
 * requests changes until a commit puts the result in place, so a plan that is dropped costs nothing.
 */
export function clusterPolicy(
  traffic: TrafficSettings = DEFAULT_TRAFFIC,
  connection: ConnectionSettings = PLAIN_HTTP1,
  previous?: ClusterPolicy,
): ClusterPolicy {
  const was = previous?.traffic;
  const keep = (part: keyof TrafficSettings): boolean =>
    previous !== undefined && same(traffic[part], was?.[part]);
  const limits = traffic.limits;
  return {
    traffic,
    protocol: connection.protocol,
    tls: connection.tls,
    poolVariant: keep('limits') ? previous!.poolVariant : limits && poolVariantOf(limits),
    balancer:
      keep('loadBalancer') && keep('locality')
        ? previous!.balancer
        : createBalancer(traffic.loadBalancer, traffic.locality),
    outlier: keep('outlier')
      ? previous!.outlier
      : traffic.outlier && new OutlierDetector(traffic.outlier),
    breaker: keep('limits') ? previous!.breaker : limits && new CircuitBreaker(limits),
    retryBudget: keep('retryBudget')
      ? previous!.retryBudget
      : traffic.retryBudget && new RetryBudget(traffic.retryBudget),
    rateLimiter: keep('rateLimit')
      ? previous!.rateLimiter
      : traffic.rateLimit && new LocalRateLimiter(traffic.rateLimit),
    faults: traffic.faults,
    grpcRetry: traffic.grpcRetry,
    retryNonIdempotent: traffic.retryNonIdempotent === true,
  };
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function poolVariantOf(limits: CircuitLimits): PoolVariant {
  const { maxConnections, maxRequestsPerConnection } = limits;
  return {
    key: `${maxConnections}/${maxRequestsPerConnection}`,
    connections: maxConnections,
    maxRequestsPerConnection,
  };
}
