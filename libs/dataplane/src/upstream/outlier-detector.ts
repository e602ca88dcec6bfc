// Passive health, as Envoy's outlier detection: consecutive errors eject an endpoint, longer if it keeps failing.

export interface OutlierSettings {
  /** Consecutive 5xx (or failed) answers that eject; 0 turns the check off. */
  readonly consecutive5xx: number;
  /** Consecutive 502/503/504 or connection failures that eject; 0 turns the check off. */
  readonly consecutiveGatewayErrors: number;
  readonly baseEjectionMs: number;
  /** Each interval an endpoint spends un-ejected lowers its ejection multiplier by one. */
  readonly intervalMs: number;
  /** No ejection lasts longer (Envoy's `max_ejection_time`). */
  readonly maxEjectionMs: number;
  /** Share of the endpoints that may be ejected at once; one always may (Envoy). */
  readonly maxEjectionPercent: number;
}

/** Envoy's default `max_ejection_time`, when the base ejection time is not longer. */
export const DEFAULT_MAX_EJECTION_MS = 300_000;

interface EndpointRecord {
  fiveXx: number;
  gateway: number;
  /**
   * Envoy's ejection time multiplier (`ejectTimeBackoff`): one more at each ejection, one less for
   * each interval the endpoint spends un-ejected; an ejection lasts base × multiplier, capped.
   */
  multiplier: number;
  /** When its last ejection ends (epoch ms); 0 before the first. */
  ejectedUntil: number;
  /** From when un-ejected intervals still count down the multiplier (epoch ms). */
  healthySince: number;
}

/**
 * Decides ejections; the cluster skips what it ejects. Failures reach it as they happen (Envoy's
 * consecutive checks run inline), and the multiplier's decay is computed when next needed rather than
 * on a timer: `healthySince` and the interval say how many sweeps Envoy would have made.
 */
export class OutlierDetector {
  private readonly records = new Map<string, EndpointRecord>();

  constructor(readonly settings: OutlierSettings) {}

  /**
   * Notes one outcome of `origin`, one of `total` endpoints: an HTTP status, or 0 when no answer
   * came (connect failure, reset, timeout: Envoy's local-origin errors, counted with the others as
   * Envoy does unless told to split them). Returns how long to eject it now, or 0 to keep it: not
   * tripped, already ejected, or `maxEjectionPercent` of the endpoints already out.
   */
  record(origin: string, status: number, now: number, total: number): number {
    let r = this.records.get(origin);
    if (!r) {
      r = { fiveXx: 0, gateway: 0, multiplier: 0, ejectedUntil: 0, healthySince: 0 };
      this.records.set(origin, r);
    }
    const failed = status === 0 || status >= 500;
    const gateway = status === 0 || status === 502 || status === 503 || status === 504;
    r.fiveXx = failed ? r.fiveXx + 1 : 0;
    r.gateway = gateway ? r.gateway + 1 : 0;
    const { consecutive5xx, consecutiveGatewayErrors } = this.settings;
    const tripped =
      (consecutive5xx > 0 && r.fiveXx >= consecutive5xx) ||
      (consecutiveGatewayErrors > 0 && r.gateway >= consecutiveGatewayErrors);
    if (!tripped) return 0;
    r.fiveXx = 0;
    r.gateway = 0;
    if (r.ejectedUntil > now) return 0;
    if (this.ejectedCount(now) >= this.ejectionLimit(total)) return 0;
    return this.eject(r, now);
  }

  /** How many of `total` endpoints may be ejected at the same time. */
  ejectionLimit(total: number): number {
    return Math.max(1, Math.floor((total * this.settings.maxEjectionPercent) / 100));
  }

  /** Forgets endpoints no longer in the set. */
  retain(origins: ReadonlySet<string>): void {
    for (const origin of this.records.keys()) if (!origins.has(origin)) this.records.delete(origin);
  }

  private eject(r: EndpointRecord, now: number): number {
    this.decay(r, now);
    const { baseEjectionMs, maxEjectionMs } = this.settings;
    // Envoy stops raising the multiplier once base × multiplier has passed the maximum.
    if (r.multiplier * baseEjectionMs < maxEjectionMs + baseEjectionMs) r.multiplier++;
    const ms = Math.min(baseEjectionMs * r.multiplier, maxEjectionMs);
    r.ejectedUntil = now + ms;
    r.healthySince = r.ejectedUntil;
    return ms;
  }

  /** Lowers the multiplier by one for each whole interval spent un-ejected since it last did. */
  private decay(r: EndpointRecord, now: number): void {
    if (r.multiplier === 0 || now <= r.healthySince) return;
    const intervals = Math.floor((now - r.healthySince) / this.settings.intervalMs);
    if (intervals === 0) return;
    r.multiplier = Math.max(0, r.multiplier - intervals);
    r.healthySince += intervals * this.settings.intervalMs;
  }

  /** Endpoints this detector has ejected that are still out (a refused connection's skip is not one). */
  private ejectedCount(now: number): number {
    let count = 0;
    for (const r of this.records.values()) if (r.ejectedUntil > now) count++;
    return count;
  }
}
