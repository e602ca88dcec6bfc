// The endpoints of one upstream Service and how callers treat it: picks by its policy's balancer,
// skipping endpoints this proxy ejected (refused connections, outlier detection), and the outcomes
// that feed the balancer, outlier detection and circuit breaker.
import type { IncomingHttpHeaders } from 'node:http';
import { clusterPolicy, type ClusterPolicy } from './cluster-policy.js';
import type { Endpoint } from './endpoint.js';
import { Ejections } from './ejections.js';

export class Cluster {
  private endpoints: readonly Endpoint[] = [];
  private readonly ejected = new Ejections();
  private current: ClusterPolicy;

  constructor(
    /** `<namespace>/<service>` */
    readonly key: string,
    policy: ClusterPolicy = clusterPolicy(),
  ) {
    this.current = policy;
  }

  get size(): number {
    return this.endpoints.length;
  }

  get all(): readonly Endpoint[] {
    return this.endpoints;
  }

  /** How callers treat the Service now: read it, never change it; a commit replaces it whole. */
  get policy(): ClusterPolicy {
    return this.current;
  }

  /** Ejections so far, for the metrics. */
  get ejections(): number {
    return this.ejected.count;
  }

  /** Replaces the endpoint list (a whole set, as published), between config commits too. */
  setEndpoints(endpoints: readonly Endpoint[]): void {
    this.endpoints = endpoints;
    this.current.balancer.setEndpoints(endpoints);
    this.current.outlier?.retain(new Set(endpoints.map((e) => e.origin)));
  }

  /**
   * This cluster's part of a config commit: its planned endpoints and policy, in one step (the
   * plan built `policy` from this cluster's current one, so the parts it kept keep their state).
   */
  commit(endpoints: readonly Endpoint[], policy: ClusterPolicy): void {
    this.current = policy;
    this.setEndpoints(endpoints);
  }

  /**
   * An endpoint not in `tried` and not ejected, as the balancer chooses (`headers` carry a
   * consistent-hash key). When every such endpoint is ejected, ejections are ignored (Envoy's
   * panic mode): better to try than to fail for sure.
   */
  pick(tried?: readonly Endpoint[], headers?: IncomingHttpHeaders): Endpoint | undefined {
    const endpoints = this.endpoints;
    if (endpoints.length === 0) return undefined;
    const balancer = this.current.balancer;
    const avoid = tried !== undefined && tried.length > 0 ? tried : undefined;
    const ejected = this.ejected.size > 0 ? this.ejected.at(Date.now()) : undefined;
    const healthy = balancer.choose(endpoints, headers, avoid, ejected);
    if (healthy !== undefined || ejected === undefined) return healthy;
    return balancer.choose(endpoints, headers, avoid, undefined);
  }

  /**
   * Skip this endpoint for `forMs`: it refused a connection, so nothing listens there. This is not
   * an outlier ejection: it does not count towards `maxEjectionPercent` (which bounds what outlier
   * detection takes out on its own judgement) nor shorten an ejection in progress. The refusal
   * also reaches outlier detection as a failure (`record` with status 0), as Envoy counts
   * local-origin errors with the others, so an endpoint that keeps refusing is ejected in earnest.
   */
  eject(endpoint: Endpoint, forMs: number): void {
    this.ejected.add(endpoint.origin, Date.now() + forMs);
  }

  /**
   * One outcome of `endpoint`: an HTTP status, 0 for no answer; `rttMs`, when known, is how long
   * the answer took to begin (latency-aware balancing).
   */
  record(endpoint: Endpoint, status: number, rttMs?: number): void {
    const { balancer, outlier } = this.current;
    if (rttMs !== undefined) balancer.observed(endpoint, rttMs);
    if (!outlier) return;
    const now = Date.now();
    const ejectMs = outlier.record(endpoint.origin, status, now, this.endpoints.length);
    if (ejectMs > 0) this.ejected.add(endpoint.origin, now + ejectMs);
  }

  /** A request to `endpoint` started / ended (balancer load and circuit-breaker counts). */
  acquire(endpoint: Endpoint): void {
    this.current.balancer.started(endpoint);
    this.current.breaker?.started(endpoint.origin);
  }

  release(endpoint: Endpoint): void {
    this.current.balancer.finished(endpoint);
    this.current.breaker?.finished(endpoint.origin);
  }
}
