// Envoy's local rate limit: a token bucket per key (a route, or a caller), refilled by
// `tokensPerFill` every `fillInterval` up to `maxTokens`; a request finding it empty is refused.

export interface RateLimitSettings {
  readonly maxTokens: number;
  readonly tokensPerFill: number;
  readonly fillIntervalMs: number;
  readonly per: 'Route' | 'Source';
}

interface Bucket {
  tokens: number;
  /** Time of the last fill tick counted into `tokens`. */
  filledAt: number;
}

/** Per-source buckets kept at most; beyond it full buckets (same as new ones) are dropped. */
const MAX_BUCKETS = 10_000;

export class LocalRateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(readonly settings: RateLimitSettings) {}

  /**
   * Takes a token from `key`'s bucket. Returns 0 when the request may go, else the milliseconds
   * until the bucket next fills.
   */
  take(key: string): number {
    const now = Date.now();
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= MAX_BUCKETS) this.sweep(now);
      bucket = { tokens: this.settings.maxTokens, filledAt: now };
      this.buckets.set(key, bucket);
    } else {
      this.refill(bucket, now);
    }
    if (bucket.tokens >= 1) {
      bucket.tokens--;
      return 0;
    }
    return Math.max(1, bucket.filledAt + this.settings.fillIntervalMs - now);
  }

  private refill(bucket: Bucket, now: number): void {
    const { maxTokens, tokensPerFill, fillIntervalMs } = this.settings;
    const ticks = Math.floor((now - bucket.filledAt) / fillIntervalMs);
    if (ticks <= 0) return;
    bucket.tokens = Math.min(maxTokens, bucket.tokens + ticks * tokensPerFill);
    bucket.filledAt += ticks * fillIntervalMs;
  }

  /** Drops buckets that are full again; if none is, the oldest, so memory stays bounded. */
  private sweep(now: number): void {
    for (const [key, bucket] of this.buckets) {
      this.refill(bucket, now);
      if (bucket.tokens >= this.settings.maxTokens) this.buckets.delete(key);
    }
    if (this.buckets.size >= MAX_BUCKETS) {
      this.buckets.delete(this.buckets.keys().next().value!);
    }
  }
}
