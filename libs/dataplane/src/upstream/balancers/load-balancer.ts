// The contract every load-balancing strategy of a Cluster keeps, and the settings that select one.
import type { IncomingHttpHeaders } from 'node:http';
import type { Endpoint } from '../endpoint.js';

/** Compiled `loadBalancer` of a TrafficPolicy. */
export type BalancerSettings =
  | { readonly type: 'RoundRobin' }
  | { readonly type: 'LeastRequest' }
  | { readonly type: 'PeakEwma'; readonly decayMs: number }
  | { readonly type: 'ConsistentHash'; readonly header?: string; readonly cookie?: string };

/** Origins a pick passes over (a cluster's ejections); a Map of origins fits. */
export interface EjectedOrigins {
  has(origin: string): boolean;
}

export interface LoadBalancer {
  /**
   * One of `endpoints` that is neither in `tried` nor (by origin) in `ejected`, or undefined when
   * every one is. The arguments of the pick are passed as they are: no closure per pick.
   */
  choose(
    endpoints: readonly Endpoint[],
    headers: IncomingHttpHeaders | undefined,
    tried: readonly Endpoint[] | undefined,
    ejected: EjectedOrigins | undefined,
  ): Endpoint | undefined;
  /** The endpoint set was replaced (state of endpoints that left can go). */
  setEndpoints(endpoints: readonly Endpoint[]): void;
  /** A request to `endpoint` was sent. */
  started(endpoint: Endpoint): void;
  /** Its answer began after `rttMs` (for latency-aware strategies). */
  observed(endpoint: Endpoint, rttMs: number): void;
  /** That request is over, answered or not. */
  finished(endpoint: Endpoint): void;
}

/** Whether a pick passes over `endpoint`: already tried, or ejected. */
export function skipped(
  endpoint: Endpoint,
  tried: readonly Endpoint[] | undefined,
  ejected: EjectedOrigins | undefined,
): boolean {
  return (
    (ejected !== undefined && ejected.has(endpoint.origin)) ||
    (tried !== undefined && tried.includes(endpoint))
  );
}
