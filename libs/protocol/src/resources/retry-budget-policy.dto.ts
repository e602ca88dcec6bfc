// TrafficPolicy `retryBudget`: Linkerd's retry budget, bounding retries to a share of recent requests.
import { IsInt, IsNumber, Max, Min } from 'class-validator';
import { DurationWithin } from '../validation/duration.js';

export class RetryBudgetPolicy {
  /** Retries allowed per request sent (0.2: one retry for every five requests). */
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(10)
  retryRatio: number = 0.2;

  /** Retries always allowed per second, whatever the ratio (so a quiet client may still retry). */
  @IsInt()
  @Min(0)
  @Max(100_000)
  minRetriesPerSecond: number = 10;

  /** The window requests and retries are counted over (1s to 60s, as tower's budget). */
  @DurationWithin(1_000, 60_000, '10s')
  ttl: string = '10s';
}
