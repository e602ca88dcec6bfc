// The endpoints a cluster skips for now, by origin: refused connections' skips and outlier ejections
// in one map, so a pick checks one place.
import type { EjectedOrigins } from './balancers/load-balancer.js';

export class Ejections {
  /** origin → time (epoch ms) until which the endpoint is skipped. */
  private readonly until = new Map<string, number>();
  /** The earliest of those times: before it, no entry has run out, so a pick sweeps nothing. */
  private nextExpiry = Infinity;
  /** Ejections so far, for the metrics. */
  count = 0;

  get size(): number {
    return this.until.size;
  }

  /** Skips `origin` until `until` (epoch ms), unless it is skipped for longer already. */
  add(origin: string, until: number): void {
    this.count++;
    if (until <= (this.until.get(origin) ?? 0)) return;
    this.until.set(origin, until);
    if (until < this.nextExpiry) this.nextExpiry = until;
  }

  /** The origins skipped at `now`, those whose time ran out removed first; undefined when none. */
  at(now: number): EjectedOrigins | undefined {
    if (now >= this.nextExpiry) this.expire(now);
    return this.until.size > 0 ? this.until : undefined;
  }

  private expire(now: number): void {
    let next = Infinity;
    for (const [origin, until] of this.until) {
      if (until <= now) this.until.delete(origin);
      else if (until < next) next = until;
    }
    this.nextExpiry = next;
  }
}
