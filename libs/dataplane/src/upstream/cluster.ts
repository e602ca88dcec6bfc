// The endpoints of one upstream Service: picked round robin or least-request, skipping endpoints
// this proxy ejected (refused connections, outlier detection), with the Service's fault settings.
import type { Endpoint } from './endpoint.js';
import { OutlierDetector, type OutlierSettings } from './outlier-detector.js';

/** Istio-style fault injection, compiled: percentages 0–100. */
export interface FaultSettings {
  readonly delayPercent: number;
  readonly delayMs: number;
  readonly abortPercent: number;
  readonly abortStatus: number;
}

/** How callers treat the Service (TrafficPolicy), compiled; undefined fields keep the defaults. */
export interface ClusterPolicy {
  readonly loadBalancer: 'RoundRobin' | 'LeastRequest';
  readonly outlier?: OutlierSettings;
  readonly faults?: FaultSettings;
}

export const DEFAULT_POLICY: ClusterPolicy = { loadBalancer: 'RoundRobin' };

export class Cluster {
  private endpoints: readonly Endpoint[] = [];
  private next = 0;
  /** origin → time (ms) until which this proxy skips the endpoint. */
  private readonly ejectedUntil = new Map<string, number>();
  /** origin → requests in flight; kept only for least-request balancing. */
  private readonly inflight = new Map<string, number>();
  private policy: ClusterPolicy = DEFAULT_POLICY;
  private outlier: OutlierDetector | undefined;

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

  /** Replaces the endpoint list (a whole set, as published). */
  setEndpoints(endpoints: readonly Endpoint[]): void {
    this.endpoints = endpoints;
    if (this.next >= endpoints.length) this.next = 0;
    this.outlier?.retain(new Set(endpoints.map((e) => e.origin)));
  }

  /** Applies a policy; outlier history survives unless its settings changed. */
  configure(policy: ClusterPolicy): void {
    if (JSON.stringify(policy.outlier) !== JSON.stringify(this.outlier?.settings)) {
      this.outlier = policy.outlier ? new OutlierDetector(policy.outlier) : undefined;
    }
    if (policy.loadBalancer !== 'LeastRequest') this.inflight.clear();
    this.policy = policy;
  }

  /**
   * An endpoint not in `tried` and not ejected. When every endpoint is ejected, ejections are
   * ignored (Envoy's panic mode): better to try than to fail for sure.
   */
  pick(tried?: readonly Endpoint[]): Endpoint | undefined {
    const n = this.endpoints.length;
    if (n === 0) return undefined;
    const now = this.ejectedUntil.size > 0 ? Date.now() : 0;
    if (this.policy.loadBalancer === 'LeastRequest') return this.pickLeastRequest(now, tried);
    let fallback = -1;
    for (let i = 0; i < n; i++) {
      const candidate = this.endpoints[(this.next + i) % n];
      if (tried?.includes(candidate)) continue;
      if (now !== 0 && this.isEjected(candidate, now)) {
        if (fallback === -1) fallback = i;
        continue;
      }
      return this.take(i);
    }
    // Panic picks advance the cursor too, or every request would land on the same endpoint.
    return fallback === -1 ? undefined : this.take(fallback);
  }

  /** Skip this endpoint for `forMs` (it refused a connection, or outlier detection ejected it). */
  eject(endpoint: Endpoint, forMs: number): void {
    this.ejectedUntil.set(endpoint.origin, Date.now() + forMs);
  }

  /** Outlier detection: one outcome of `endpoint` (an HTTP status, 0 for no answer). */
  record(endpoint: Endpoint, status: number): void {
    if (!this.outlier) return;
    const ejectMs = this.outlier.record(endpoint.origin, status);
    if (
      ejectMs > 0 &&
      this.ejectedCount(Date.now()) < this.outlier.ejectionLimit(this.endpoints.length)
    ) {
      this.eject(endpoint, ejectMs);
    }
  }

  /** Least-request bookkeeping: a request to `endpoint` started / ended. */
  acquire(endpoint: Endpoint): void {
    if (this.policy.loadBalancer === 'LeastRequest') {
      this.inflight.set(endpoint.origin, (this.inflight.get(endpoint.origin) ?? 0) + 1);
    }
  }

  release(endpoint: Endpoint): void {
    const count = this.inflight.get(endpoint.origin);
    if (count !== undefined) this.inflight.set(endpoint.origin, Math.max(0, count - 1));
  }

  /** Power of two choices: of two random eligible endpoints, the one with fewer requests in flight. */
  private pickLeastRequest(now: number, tried?: readonly Endpoint[]): Endpoint | undefined {
    const eligible = this.endpoints.filter(
      (e) => !tried?.includes(e) && (now === 0 || !this.isEjected(e, now)),
    );
    const pool = eligible.length > 0 ? eligible : this.endpoints.filter((e) => !tried?.includes(e));
    if (pool.length <= 1) return pool[0];
    const first = pool[Math.floor(Math.random() * pool.length)];
    let second = pool[Math.floor(Math.random() * (pool.length - 1))];
    if (second === first) second = pool[pool.length - 1];
    const load = (e: Endpoint): number => this.inflight.get(e.origin) ?? 0;
    return load(second) < load(first) ? second : first;
  }

  /** The endpoint `offset` places past the cursor; the cursor moves just beyond it. */
  private take(offset: number): Endpoint {
    const n = this.endpoints.length;
    const chosen = this.endpoints[(this.next + offset) % n];
    this.next = (this.next + offset + 1) % n;
    return chosen;
  }

  private ejectedCount(now: number): number {
    let count = 0;
    for (const until of this.ejectedUntil.values()) if (until > now) count++;
    return count;
  }

  private isEjected(candidate: Endpoint, now: number): boolean {
    const until = this.ejectedUntil.get(candidate.origin);
    if (until === undefined) return false;
    if (until > now) return true;
    this.ejectedUntil.delete(candidate.origin);
    return false;
  }
}
