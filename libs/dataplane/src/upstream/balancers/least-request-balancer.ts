// Least request (Envoy's P2C): of two random endpoints, the one with fewer requests in flight.
import type { IncomingHttpHeaders } from 'node:http';
import type { Endpoint } from '../endpoint.js';
import type { EjectedOrigins, LoadBalancer } from './load-balancer.js';
import { twoChoices } from './two-choices.js';

export class LeastRequestBalancer implements LoadBalancer {
  /** origin → requests in flight. */
  private readonly inflight = new Map<string, number>();

  choose(
    endpoints: readonly Endpoint[],
    _headers: IncomingHttpHeaders | undefined,
    tried: readonly Endpoint[] | undefined,
    ejected: EjectedOrigins | undefined,
  ): Endpoint | undefined {
    return twoChoices(endpoints, tried, ejected, this.load);
  }

  setEndpoints(endpoints: readonly Endpoint[]): void {
    const origins = new Set(endpoints.map((e) => e.origin));
    for (const origin of this.inflight.keys())
      if (!origins.has(origin)) this.inflight.delete(origin);
  }

  started(endpoint: Endpoint): void {
    this.inflight.set(endpoint.origin, this.load(endpoint) + 1);
  }

  observed(): void {}

  finished(endpoint: Endpoint): void {
    const count = this.inflight.get(endpoint.origin);
    if (count !== undefined) this.inflight.set(endpoint.origin, Math.max(0, count - 1));
  }

  private readonly load = (endpoint: Endpoint): number => this.inflight.get(endpoint.origin) ?? 0;
}
