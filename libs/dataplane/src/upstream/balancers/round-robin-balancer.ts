// Round robin: endpoints in turn from a cursor that moves past each pick.
import type { IncomingHttpHeaders } from 'node:http';
import type { Endpoint } from '../endpoint.js';
import { skipped, type EjectedOrigins, type LoadBalancer } from './load-balancer.js';

export class RoundRobinBalancer implements LoadBalancer {
  private next = 0;

  choose(
    endpoints: readonly Endpoint[],
    _headers?: IncomingHttpHeaders,
    tried?: readonly Endpoint[],
    ejected?: EjectedOrigins,
  ): Endpoint | undefined {
    const n = endpoints.length;
    if (this.next >= n) this.next = 0;
    const skipping = tried !== undefined || ejected !== undefined;
    for (let i = 0; i < n; i++) {
      const at = (this.next + i) % n;
      if (skipping && skipped(endpoints[at], tried, ejected)) continue;
      this.next = (at + 1) % n;
      return endpoints[at];
    }
    return undefined;
  }

  setEndpoints(): void {}
  started(): void {}
  observed(): void {}
  finished(): void {}
}
