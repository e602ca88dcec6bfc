// Passive health, as Envoy's outlier detection: consecutive errors eject an endpoint, longer each time.

export interface OutlierSettings {
  /** Consecutive 5xx (or failed) answers that eject; 0 turns the check off. */
  readonly consecutive5xx: number;
  /** Consecutive 502/503/504 or connection failures that eject; 0 turns the check off. */
  readonly consecutiveGatewayErrors: number;
  readonly baseEjectionMs: number;
  /** Share of the endpoints that may be ejected at once; one always may (Envoy). */
  readonly maxEjectionPercent: number;
}

/** Envoy's default `max_ejection_time`: ejections grow with each repeat, up to this. */
const MAX_EJECTION_MS = 300_000;

interface EndpointRecord {
  fiveXx: number;
  gateway: number;
  ejections: number;
}

export class OutlierDetector {
  private readonly records = new Map<string, EndpointRecord>();

  constructor(readonly settings: OutlierSettings) {}

  /**
   * Notes one outcome of `origin`: an HTTP status, or 0 when no answer came (connect failure,
   * reset, timeout). Returns how long to eject it now, or 0 to keep it.
   */
  record(origin: string, status: number): number {
    let r = this.records.get(origin);
    if (!r) {
      r = { fiveXx: 0, gateway: 0, ejections: 0 };
      this.records.set(origin, r);
    }
    const failed = status === 0 || status >= 500;
    const gateway = status === 0 || status === 502 || status === 503 || status === 504;
    r.fiveXx = failed ? r.fiveXx + 1 : 0;
    r.gateway = gateway ? r.gateway + 1 : 0;
    const { consecutive5xx, consecutiveGatewayErrors, baseEjectionMs } = this.settings;
    const tripped =
      (consecutive5xx > 0 && r.fiveXx >= consecutive5xx) ||
      (consecutiveGatewayErrors > 0 && r.gateway >= consecutiveGatewayErrors);
    if (!tripped) return 0;
    r.fiveXx = 0;
    r.gateway = 0;
    r.ejections++;
    return Math.min(baseEjectionMs * r.ejections, MAX_EJECTION_MS);
  }

  /** How many of `total` endpoints may be ejected at the same time. */
  ejectionLimit(total: number): number {
    return Math.max(1, Math.floor((total * this.settings.maxEjectionPercent) / 100));
  }

  /** Forgets endpoints no longer in the set. */
  retain(origins: ReadonlySet<string>): void {
    for (const origin of this.records.keys()) if (!origins.has(origin)) this.records.delete(origin);
  }
}
