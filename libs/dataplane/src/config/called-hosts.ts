// The hosts a proxy's clients call, least recently called first: bounded (past the maximum the
// least recently called host that reaches nothing goes first) and expiring (a host not called for
// the TTL goes at the next sweep). What they lead to is what a DestinationSync keeps following.

/** How many hosts, and for how long uncalled, a proxy follows (WEFT_MAX_DESTINATIONS, WEFT_DESTINATION_TTL_MS). */
export interface DestinationLimits {
  readonly maxHosts: number;
  readonly ttlMs: number;
}

export const DEFAULT_DESTINATION_LIMITS: DestinationLimits = {
  maxHosts: 1_000,
  ttlMs: 10 * 60_000,
};

/** Why a host stopped being followed (`weft_proxy_destination_evictions_total{weft_reason}`). */
export type EvictionReason = 'max' | 'ttl';

export class CalledHosts {
  /**
   * Host → when it was last called, as the sweep clock read then: insertion order is call order at
   * the clock's granularity, so the first entries are the least recently called.
   */
  private readonly hosts = new Map<string, number>();
  /** Read once per sweep, not per request: a call costs a map lookup and, once per tick, a move. */
  private now: number;

  constructor(
    private readonly limits: DestinationLimits,
    private readonly clock: () => number = Date.now,
  ) {
    this.now = clock();
  }

  /** How often `sweep` should run: the TTL holds to within this much. */
  get sweepEveryMs(): number {
    return Math.max(1, Math.floor(this.limits.ttlMs / 4));
  }

  get size(): number {
    return this.hosts.size;
  }

  has(host: string): boolean {
    return this.hosts.has(host);
  }

  keys(): IterableIterator<string> {
    return this.hosts.keys();
  }

  /** A request for `host` (request path: no allocation once the host is held and moved this tick). */
  called(host: string): void {
    const at = this.hosts.get(host);
    if (at === this.now) return;
    if (at !== undefined) this.hosts.delete(host);
    this.hosts.set(host, this.now);
  }

  /**
   * Drops hosts past the maximum, the least recently called first among those `reachesNothing`
   * says hold nothing, then the least recently called; returns them.
   */
  trim(reachesNothing: (host: string) => boolean): string[] {
    const dropped: string[] = [];
    for (const preferEmpty of [true, false]) {
      for (const host of this.hosts.keys()) {
        if (this.hosts.size <= this.limits.maxHosts) return dropped;
        if (preferEmpty && !reachesNothing(host)) continue;
        this.hosts.delete(host);
        dropped.push(host);
      }
    }
    return dropped;
  }

  /**
   * Advances the clock and drops the hosts not called for at least the TTL (one sweep interval of
   * slack: a call is dated by the sweep before it); returns them.
   */
  sweep(): string[] {
    this.now = this.clock();
    const dropped: string[] = [];
    for (const [host, at] of this.hosts) {
      if (this.now - at < this.limits.ttlMs + this.sweepEveryMs) break;
      this.hosts.delete(host);
      dropped.push(host);
    }
    return dropped;
  }
}
