// The endpoints of one upstream Service and how callers treat it (TrafficPolicy): the balancer that
// picks, skipping endpoints this proxy ejected (refused connections, outlier detection), the
// circuit breaker, retry budget and rate limiter, and the fault settings.
import type { IncomingHttpHeaders } from 'node:http';
import { createBalancer } from './balancers/create-balancer.js';
import type { BalancerSettings, LoadBalancer } from './balancers/load-balancer.js';
import type { Endpoint } from './endpoint.js';
import { OutlierDetector, type OutlierSettings } from './outlier-detector.js';
import type { PoolVariant } from './pool-registry.js';
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

/** How callers treat the Service (TrafficPolicy), compiled; undefined fields keep the defaults. */
export interface ClusterPolicy {
  readonly loadBalancer: BalancerSettings;
  readonly outlier?: OutlierSettings;
  readonly faults?: FaultSettings;
  readonly limits?: CircuitLimits;
  readonly retryBudget?: RetryBudgetSettings;
  /** Bodiless non-idempotent requests may be retried too. */
  readonly retryNonIdempotent?: boolean;
  readonly rateLimit?: RateLimitSettings;
  readonly grpcRetry?: GrpcRetrySettings;
}

/** gRPC statuses a route's retry resends, and how much of a request body is kept to resend it. */
export interface GrpcRetrySettings {
  readonly codes: readonly number[];
  readonly bufferBytes: number;
}

export const DEFAULT_POLICY: ClusterPolicy = { loadBalancer: { type: 'RoundRobin' } };

export class Cluster {
  private endpoints: readonly Endpoint[] = [];
  /**
   * origin → time (ms) until which this proxy skips the endpoint: the later of a refused
   * connection's skip and an outlier ejection (one map, so a pick checks one place).
   */
  private readonly ejectedUntil = new Map<string, number>();
  private policy: ClusterPolicy = DEFAULT_POLICY;
  private balancer: LoadBalancer = createBalancer(DEFAULT_POLICY.loadBalancer);
  private outlier: OutlierDetector | undefined;
  /** Ejections so far, for the metrics. */
  ejections = 0;
  /** Set by `configure` from the policy; state survives a policy whose settings did not change. */
  breaker: CircuitBreaker | undefined;
  retryBudget: RetryBudget | undefined;
  rateLimiter: LocalRateLimiter | undefined;
  /** Connection settings of this Service's pools; undefined for the shared defaults. */
  poolVariant: PoolVariant | undefined;
  /** What its endpoints speak (the Service's port `appProtocol`). */
  protocol: UpstreamProtocol = 'http1';
  /** TLS origination to its endpoints (an ExternalService's `tls`); ALPN picks the protocol. */
  tls: UpstreamTls | undefined;
  /** Arguments of the pick in progress, read by the skip predicates (no closure per pick). */
  private pickTried: readonly Endpoint[] | undefined;
  private pickNow = 0;

  constructor(
    /** `<namespace>/<service>` */
    readonly key: string,
  ) {}

  get size(): number {
    return this.endpoints.length;
  }

  get all(): readonly Endpoint[] {
    return this.endpoints;
  }

  get faults(): FaultSettings | undefined {
    return this.policy.faults;
  }

  get grpcRetry(): GrpcRetrySettings | undefined {
    return this.policy.grpcRetry;
  }

  get retryNonIdempotent(): boolean {
    return this.policy.retryNonIdempotent === true;
  }

  /** Replaces the endpoint list (a whole set, as published). */
  setEndpoints(endpoints: readonly Endpoint[]): void {
    this.endpoints = endpoints;
    this.balancer.setEndpoints(endpoints);
    this.outlier?.retain(new Set(endpoints.map((e) => e.origin)));
  }

  /** Applies a policy; the state of each part survives unless that part's settings changed. */
  configure(policy: ClusterPolicy): void {
    const old = this.policy;
    if (!same(policy.outlier, this.outlier?.settings)) {
      this.outlier = policy.outlier ? new OutlierDetector(policy.outlier) : undefined;
    }
    if (!same(policy.loadBalancer, old.loadBalancer)) {
      this.balancer = createBalancer(policy.loadBalancer);
      this.balancer.setEndpoints(this.endpoints);
    }
    if (!same(policy.limits, this.breaker?.limits)) {
      this.breaker = policy.limits && new CircuitBreaker(policy.limits);
      this.poolVariant = policy.limits && poolVariantOf(policy.limits);
    }
    if (!same(policy.retryBudget, this.retryBudget?.settings)) {
      this.retryBudget = policy.retryBudget && new RetryBudget(policy.retryBudget);
    }
    if (!same(policy.rateLimit, this.rateLimiter?.settings)) {
      this.rateLimiter = policy.rateLimit && new LocalRateLimiter(policy.rateLimit);
    }
    this.policy = policy;
  }

  /**
   * An endpoint not in `tried` and not ejected, as the balancer chooses (`headers` carry a
   * consistent-hash key). When every such endpoint is ejected, ejections are ignored (Envoy's
   * panic mode): better to try than to fail for sure.
   */
  pick(tried?: readonly Endpoint[], headers?: IncomingHttpHeaders): Endpoint | undefined {
    if (this.endpoints.length === 0) return undefined;
    const now = this.ejectedUntil.size > 0 ? Date.now() : 0;
    const anyTried = tried !== undefined && tried.length > 0;
    if (now === 0 && !anyTried) return this.balancer.choose(this.endpoints, undefined, headers);
    this.pickTried = tried;
    this.pickNow = now;
    const healthy =
      now === 0 ? undefined : this.balancer.choose(this.endpoints, this.skipUnusable, headers);
    const picked =
      healthy ??
      this.balancer.choose(this.endpoints, anyTried ? this.skipTried : undefined, headers);
    this.pickTried = undefined;
    return picked;
  }

  /**
   * Skip this endpoint for `forMs`: it refused a connection, so nothing listens there. This is not
   * an outlier ejection: it does not count towards `maxEjectionPercent` (which bounds what outlier
   * detection takes out on its own judgement) nor shorten an ejection in progress. The refusal
   * also reaches outlier detection as a failure (`record` with status 0), as Envoy counts
   * local-origin errors with the others, so an endpoint that keeps refusing is ejected in earnest.
   */
  eject(endpoint: Endpoint, forMs: number): void {
    this.skipUntil(endpoint, Date.now() + forMs);
  }

  /**
   * One outcome of `endpoint`: an HTTP status, 0 for no answer; `rttMs`, when known, is how long
   * the answer took to begin (latency-aware balancing).
   */
  record(endpoint: Endpoint, status: number, rttMs?: number): void {
    if (rttMs !== undefined) this.balancer.observed(endpoint, rttMs);
    if (!this.outlier) return;
    const now = Date.now();
    const ejectMs = this.outlier.record(endpoint.origin, status, now, this.endpoints.length);
    if (ejectMs > 0) this.skipUntil(endpoint, now + ejectMs);
  }

  /** A request to `endpoint` started / ended (balancer load and circuit-breaker counts). */
  acquire(endpoint: Endpoint): void {
    this.balancer.started(endpoint);
    this.breaker?.started(endpoint.origin);
  }

  release(endpoint: Endpoint): void {
    this.balancer.finished(endpoint);
    this.breaker?.finished(endpoint.origin);
  }

  private readonly skipTried = (e: Endpoint): boolean => this.pickTried!.includes(e);

  private readonly skipUnusable = (e: Endpoint): boolean =>
    (this.pickTried?.includes(e) ?? false) || this.isEjected(e, this.pickNow);

  private skipUntil(endpoint: Endpoint, until: number): void {
    const current = this.ejectedUntil.get(endpoint.origin) ?? 0;
    if (until > current) this.ejectedUntil.set(endpoint.origin, until);
    this.ejections++;
  }

  private isEjected(candidate: Endpoint, now: number): boolean {
    const until = this.ejectedUntil.get(candidate.origin);
    if (until === undefined) return false;
    if (until > now) return true;
    this.ejectedUntil.delete(candidate.origin);
    return false;
  }
}

function same(a: object | undefined, b: object | undefined): boolean {
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
