// Consistent hash (Envoy's ring hash): each endpoint owns points on a ring, a request goes to the
// owner of the first point at or after its key's hash. Points depend on the endpoint alone, so when
// one endpoint leaves only its keys move, and one joining takes about 1/N of them.
import type { IncomingHttpHeaders } from 'node:http';
import type { Endpoint } from '../endpoint.js';
import { cookieKey, hash32, headerKey } from './hash-key.js';
import { skipped, type EjectedOrigins, type LoadBalancer } from './load-balancer.js';
import { RoundRobinBalancer } from './round-robin-balancer.js';

/** Points per endpoint: enough for each endpoint's share to stay within ~10% of 1/N. */
export const POINTS_PER_ENDPOINT = 160;

export class RingHashBalancer implements LoadBalancer {
  private hashes = new Uint32Array(0);
  private owners: Endpoint[] = [];
  /** Instance ids and origins the ring was built from. */
  private signature = '';
  /** Requests without the key are spread round robin (Envoy picks at random). */
  private readonly fallback = new RoundRobinBalancer();
  private readonly key: (headers: IncomingHttpHeaders) => string | undefined;

  constructor(source: { readonly header?: string; readonly cookie?: string }) {
    const header = source.header?.toLowerCase();
    const cookie = source.cookie ?? '';
    this.key = header ? (h) => headerKey(h, header) : (h) => cookieKey(h, cookie);
  }

  choose(
    endpoints: readonly Endpoint[],
    headers: IncomingHttpHeaders | undefined,
    tried: readonly Endpoint[] | undefined,
    ejected: EjectedOrigins | undefined,
  ): Endpoint | undefined {
    const key = headers && this.key(headers);
    if (key === undefined || this.owners.length === 0) {
      return this.fallback.choose(endpoints, headers, tried, ejected);
    }
    // Past an endpoint the pick must skip, the next owner clockwise: the same endpoint a ring
    // built without the skipped ones would give, so retries and ejections stay consistent too.
    const start = this.firstAtOrAfter(hash32(key));
    const n = this.owners.length;
    for (let i = 0; i < n; i++) {
      const owner = this.owners[(start + i) % n];
      if (!skipped(owner, tried, ejected)) return owner;
    }
    return undefined;
  }

  setEndpoints(endpoints: readonly Endpoint[]): void {
    // Sets are republished whole; an unchanged one keeps its ring (building one sorts N × 160).
    const signature = endpoints.map((e) => `${e.instanceId}@${e.origin}`).join(',');
    if (signature === this.signature) return;
    this.signature = signature;
    const points: { hash: number; owner: Endpoint }[] = [];
    for (const owner of endpoints) {
      for (let i = 0; i < POINTS_PER_ENDPOINT; i++) {
        points.push({ hash: hash32(`${owner.instanceId}#${i}`), owner });
      }
    }
    points.sort((a, b) => a.hash - b.hash);
    this.hashes = Uint32Array.from(points, (p) => p.hash);
    this.owners = points.map((p) => p.owner);
  }

  started(): void {}
  observed(): void {}
  finished(): void {}

  /** Index of the first point whose hash is ≥ `hash`, wrapping to 0 past the last. */
  private firstAtOrAfter(hash: number): number {
    let lo = 0;
    let hi = this.hashes.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.hashes[mid] < hash) lo = mid + 1;
      else hi = mid;
    }
    return lo === this.hashes.length ? 0 : lo;
  }
}
