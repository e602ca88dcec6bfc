// The contract every load-balancing strategy of a Cluster keeps, and the settings that select one.
import type { IncomingHttpHeaders } from 'node:http';
import type { Endpoint } from '../endpoint.js';

/** Compiled `loadBalancer` of a TrafficPolicy. */
export type BalancerSettings =
  | { readonly type: 'RoundRobin' }
  | { readonly type: 'LeastRequest' }
  | { readonly type: 'PeakEwma'; readonly decayMs: number }
  | { readonly type: 'ConsistentHash'; readonly header?: string; readonly cookie?: string };

/** True for an endpoint this pick must not return (already tried, or ejected). */
export type Skip = ((endpoint: Endpoint) => boolean) | undefined;

export interface LoadBalancer {
  /** One of `endpoints` that `skip` allows, or undefined when it allows none. */
  choose(
    endpoints: readonly Endpoint[],
    skip: Skip,
    headers: IncomingHttpHeaders | undefined,
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
