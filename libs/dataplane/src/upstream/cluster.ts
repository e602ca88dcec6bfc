// The endpoints of one upstream Service, picked round robin, skipping ones this proxy saw refuse.

import type { Endpoint } from './endpoint.js';

export class Cluster {
  private endpoints: readonly Endpoint[] = [];
  private next = 0;
  /** origin → time (ms) until which this proxy skips the endpoint. */
  private readonly ejectedUntil = new Map<string, number>();

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

  /** Replaces the endpoint list (a whole set, as published). */
  setEndpoints(endpoints: readonly Endpoint[]): void {
    this.endpoints = endpoints;
    if (this.next >= endpoints.length) this.next = 0;
  }

  /**
   * Next endpoint in round-robin order that is neither ejected nor in `tried`. When every endpoint
   * is ejected, ejections are ignored (Envoy's panic mode): better to try than to fail for sure.
   */
  pick(tried?: readonly Endpoint[]): Endpoint | undefined {
    const list = this.endpoints;
    const n = list.length;
    if (n === 0) return undefined;
    const now = this.ejectedUntil.size > 0 ? Date.now() : 0;
    let fallback = -1;
    for (let i = 0; i < n; i++) {
      const candidate = list[(this.next + i) % n];
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

  /** Skip this endpoint for `forMs` (it refused a connection). */
  eject(endpoint: Endpoint, forMs: number): void {
    this.ejectedUntil.set(endpoint.origin, Date.now() + forMs);
  }

  /** The endpoint `offset` places past the cursor; the cursor moves just beyond it. */
  private take(offset: number): Endpoint {
    const n = this.endpoints.length;
    const chosen = this.endpoints[(this.next + offset) % n];
    this.next = (this.next + offset + 1) % n;
    return chosen;
  }

  private isEjected(candidate: Endpoint, now: number): boolean {
    const until = this.ejectedUntil.get(candidate.origin);
    if (until === undefined) return false;
    if (until > now) return true;
    this.ejectedUntil.delete(candidate.origin);
    return false;
  }
}
