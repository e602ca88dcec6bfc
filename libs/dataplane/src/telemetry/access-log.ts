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
  readonly durationMs: number;
  readonly route: string;
  readonly upstream: string;
  readonly endpoint: string;
  readonly retries: number;
  readonly bytesOut: number;
}

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

export class AccessLog {
  private tokens: number;
  private refilledAt = Date.now();
  /** Records the rate cap or a missing connection kept off the bus (sampled-out ones are not counted). */
  dropped = 0;

  constructor(
    private readonly options: AccessLogOptions,
    private readonly log: Logger,
    private readonly publish: BusPublisher,
  ) {
    this.tokens = options.publishPerSecond;
  }

  /**
   * Whether to record this request: always for stdout, else only when sampled for the bus and the
   * bus has tokens, so with stdout off at most `publishPerSecond` requests a second pay for a
   * record at all.
   */
  begin(): boolean {
    return this.options.stdout || this.forBus();
  }

  write(
    base: Omit<AccessRecord, 'v' | 'route' | 'upstream' | 'endpoint' | 'retries' | 'bytesOut'>,
    notes: ExchangeNotes,
  ): void {
    // Without stdout, `begin` already sampled this record and took its token.
    const toBus = this.options.publishPerSecond > 0 && (!this.options.stdout || this.forBus());
    const record: AccessRecord = {
      v: PROTOCOL_VERSION,
      ...base,
      route: notes.route,
      upstream: notes.upstream,
      endpoint: notes.endpoint,
      retries: notes.retries,
      bytesOut: notes.bytesOut,
    };
    if (this.options.stdout) this.log.info({ access: record }, 'access');
    if (!toBus) return;
    try {
      if (!this.publish(this.options.subject, encode(record))) this.dropped++;
    } catch {
      this.dropped++;
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
    const now = Date.now();
    const rate = this.options.publishPerSecond;
    this.tokens = Math.min(rate, this.tokens + ((now - this.refilledAt) / 1000) * rate);
    this.refilledAt = now;
    if (this.tokens < 1) {
      this.dropped++;
      return false;
    }
    this.tokens--;
    return true;
  }
}
