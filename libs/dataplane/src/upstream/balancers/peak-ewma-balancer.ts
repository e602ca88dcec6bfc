// Peak EWMA (Linkerd, tower): cost = latency estimate × (requests in flight + 1), P2C on that cost.
// The estimate jumps to a slower sample at once and forgets it over `decayMs`, so a slow endpoint
// is avoided quickly and tried again only cautiously.
import type { IncomingHttpHeaders } from 'node:http';
import type { Endpoint } from '../endpoint.js';
import type { EjectedOrigins, LoadBalancer } from './load-balancer.js';
import { twoChoices } from './two-choices.js';

/** Linkerd's estimate for an endpoint nothing is known about yet. */
export const DEFAULT_RTT_MS = 30;

interface EndpointLoad {
  rttMs: number;
  /** When `rttMs` was last updated (performance.now()). */
  at: number;
  inflight: number;
}

export class PeakEwmaBalancer implements LoadBalancer {
  private readonly loads = new Map<string, EndpointLoad>();

  constructor(private readonly decayMs: number) {}

  choose(
    endpoints: readonly Endpoint[],
    _headers: IncomingHttpHeaders | undefined,
    tried: readonly Endpoint[] | undefined,
    ejected: EjectedOrigins | undefined,
  ): Endpoint | undefined {
    return twoChoices(endpoints, tried, ejected, this.cost);
  }

  setEndpoints(endpoints: readonly Endpoint[]): void {
    const origins = new Set(endpoints.map((e) => e.origin));
    for (const origin of this.loads.keys()) if (!origins.has(origin)) this.loads.delete(origin);
  }

  started(endpoint: Endpoint): void {
    this.load(endpoint).inflight++;
  }

  observed(endpoint: Endpoint, rttMs: number): void {
    this.update(this.load(endpoint), rttMs, performance.now());
  }

  finished(endpoint: Endpoint): void {
    const load = this.loads.get(endpoint.origin);
    if (load && load.inflight > 0) load.inflight--;
  }

  /** The estimate decayed to now (as tower: a zero-latency sample), times the load. */
  readonly cost = (endpoint: Endpoint): number => {
    const load = this.load(endpoint);
    return this.update(load, 0, performance.now()) * (load.inflight + 1);
  };

  private update(load: EndpointLoad, sampleMs: number, now: number): number {
    if (sampleMs > load.rttMs) {
      load.rttMs = sampleMs; // the peak: a slower answer counts in full at once
    } else {
      const decay = Math.exp(-Math.max(0, now - load.at) / this.decayMs);
      load.rttMs = load.rttMs * decay + sampleMs * (1 - decay);
    }
    load.at = now;
    return load.rttMs;
  }

  private load(endpoint: Endpoint): EndpointLoad {
    let load = this.loads.get(endpoint.origin);
    if (!load) {
      load = { rttMs: DEFAULT_RTT_MS, at: performance.now(), inflight: 0 };
      this.loads.set(endpoint.origin, load);
    }
    return load;
  }
}
