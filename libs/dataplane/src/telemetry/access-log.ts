// Access log: one structured record per request, to stdout (pino) and/or the bus, rate capped.
import type { Logger } from 'pino';
import { encode, PROTOCOL_VERSION } from '@app/protocol';
import type { ExchangeNotes } from './exchange-notes.js';

export interface AccessRecord {
  readonly v: number;
  readonly time: number;
  readonly traceId: string;
  readonly listener: string;
  readonly method: string;
  readonly host: string;
  readonly path: string;
  readonly status: number;
  /** From the request's arrival to the end of its response. */
  readonly durationMs: number;
  /** From sending the (last) try upstream to its response headers; null when none answered. */
  readonly upstreamMs: number | null;
  readonly route: string;
  readonly upstream: string;
  readonly endpoint: string;
  readonly retries: number;
  /** Request body bytes received. */
  readonly bytesIn: number;
  /** Response body bytes sent on from upstream (not those of the proxy's own replies). */
  readonly bytesOut: number;
  /**
   * The verified caller's SPIFFE ID (Istio's `source.principal`): from the client certificate of an
   * mTLS connection, or a bus call's subject; empty for plaintext.
   */
  readonly sourcePrincipal: string;
  /** Inbound, when an AuthorizationPolicy decided: which, and how (`denied by … (DENY, rule 0)`). */
  readonly authz?: string;
  /** Inbound, when an AUDIT rule matched: which. */
  readonly audit?: string;
}

/** What the listener knows of a request; the rest comes from the exchange's notes. */
export type AccessBase = Omit<
  AccessRecord,
  | 'v'
  | 'upstreamMs'
  | 'route'
  | 'upstream'
  | 'endpoint'
  | 'retries'
  | 'bytesIn'
  | 'bytesOut'
  | 'authz'
  | 'audit'
>;

export interface AccessLogOptions {
  /** One pino line per request on stdout. */
  readonly stdout: boolean;
  /** Records per second published on the bus at most (0: none); the rest are dropped, counted. */
  readonly publishPerSecond: number;
  /** Share of requests (0–1) considered for the bus at all, before the rate cap. */
  readonly sampleRatio: number;
  readonly subject: string;
}

/**
 * Where records go on the bus: false when the record could not be handed over (not connected).
 * Publishing must never block or throw into the request path.
 */
export type BusPublisher = (subject: string, payload: Uint8Array) => boolean;

/** The rate cap's token bucket and the drop count, shared by a log and its `on(subject)` copies. */
interface BusBudget {
  tokens: number;
  refilledAt: number;
  dropped: number;
}

export class AccessLog {
  constructor(
    private readonly options: AccessLogOptions,
    private readonly log: Logger,
    private readonly publish: BusPublisher,
    private readonly budget: BusBudget = {
      tokens: options.publishPerSecond,
      refilledAt: Date.now(),
      dropped: 0,
    },
  ) {}

  /** Records the rate cap or a missing connection kept off the bus (sampled-out ones are not counted). */
  get dropped(): number {
    return this.budget.dropped;
  }

  /**
   * The same log publishing on `subject` (a node proxy's workload's own): one rate cap and one drop
   * count for the whole proxy.
   */
  on(subject: string): AccessLog {
    return new AccessLog({ ...this.options, subject }, this.log, this.publish, this.budget);
  }

  /**
   * Whether to record this request: always for stdout, else only when sampled for the bus and the
   * bus has tokens, so with stdout off at most `publishPerSecond` requests a second pay for a
   * record at all.
   */
  begin(): boolean {
    return this.options.stdout || this.forBus();
  }

  write(base: AccessBase, notes: ExchangeNotes): void {
    // Without stdout, `begin` already sampled this record and took its token.
    const toBus = this.options.publishPerSecond > 0 && (!this.options.stdout || this.forBus());
    const record: AccessRecord = {
      v: PROTOCOL_VERSION,
      ...base,
      upstreamMs: notes.upstreamMs < 0 ? null : notes.upstreamMs,
      route: notes.route,
      upstream: notes.upstream,
      endpoint: notes.endpoint,
      retries: notes.retries,
      bytesIn: notes.bytesIn,
      bytesOut: notes.bytesOut,
      // Only on records of a workload with AuthorizationPolicies.
      ...(notes.authz && { authz: notes.authz }),
      ...(notes.audit && { audit: notes.audit }),
    };
    if (this.options.stdout) this.log.info({ access: record }, 'access');
    if (!toBus) return;
    try {
      if (!this.publish(this.options.subject, encode(record))) this.budget.dropped++;
    } catch {
      this.budget.dropped++;
    }
  }

  /** Sampled (a share of all requests), then rate capped. */
  private forBus(): boolean {
    const { publishPerSecond, sampleRatio } = this.options;
    if (publishPerSecond === 0) return false;
    if (sampleRatio < 1 && Math.random() >= sampleRatio) return false;
    return this.takeToken();
  }

  /** Token bucket: at most `publishPerSecond` records a second reach the bus; the rest are dropped. */
  private takeToken(): boolean {
    const budget = this.budget;
    const now = Date.now();
    const rate = this.options.publishPerSecond;
    budget.tokens = Math.min(rate, budget.tokens + ((now - budget.refilledAt) / 1000) * rate);
    budget.refilledAt = now;
    if (budget.tokens < 1) {
      budget.dropped++;
      return false;
    }
    budget.tokens--;
    return true;
  }
}
