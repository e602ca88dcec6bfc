// TrafficPolicy `localRateLimit`: Envoy's local rate limit, a token bucket per route or per source.
import { IsIn, IsInt, Max, Min } from 'class-validator';
import { DurationWithin } from '../validation/duration.js';

export class LocalRateLimitPolicy {
  /** Bucket size: the burst allowed after a quiet period. */
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  maxTokens!: number;

  /** Tokens put back every `fillInterval`, up to `maxTokens`. */
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  tokensPerFill: number = 1;

  /** At least 50ms, as Envoy requires. */
  @DurationWithin(50, 86_400_000, '1s')
  fillInterval!: string;

  /** `Route`: one bucket per route rule; `Source`: one per caller (its service, else its address). */
  @IsIn(['Route', 'Source'])
  per: 'Route' | 'Source' = 'Route';
}
