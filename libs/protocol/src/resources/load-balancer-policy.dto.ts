// TrafficPolicy `loadBalancer`: round robin, least request (P2C), peak EWMA (Linkerd), consistent hash
// (Envoy ring hash), and locality load balancing around them.
import { Type } from 'class-transformer';
import { IsDefined, IsIn, IsOptional, Matches, ValidateIf, ValidateNested } from 'class-validator';
import { DurationWithin } from '../validation/duration.js';
import { AtMostOneOf, ExactlyOneOf } from '../validation/exactly-one-of.validator.js';
import { HEADER_NAME, HEADER_NAME_MESSAGE } from '../validation/http-syntax.js';
import { LocalityLbSetting } from './locality-lb-setting.dto.js';

export const LOAD_BALANCER_TYPES = [
  'RoundRobin',
  'LeastRequest',
  'PeakEwma',
  'ConsistentHash',
] as const;
export type LoadBalancerType = (typeof LOAD_BALANCER_TYPES)[number];

/** Linkerd's balancer: cost = latency EWMA × (requests in flight + 1), of two random endpoints. */
export class PeakEwmaSettings {
  /** How fast an old latency is forgotten (Linkerd's default 10s). */
  @DurationWithin(1, 3_600_000, '10s')
  decayTime: string = '10s';
}

/** Envoy's ring hash: a request's key (a header or cookie value) always lands on the same endpoint. */
export class ConsistentHashSettings {
  @IsOptional()
  @Matches(HEADER_NAME, { message: `header ${HEADER_NAME_MESSAGE}` })
  header?: string;

  @IsOptional()
  @Matches(HEADER_NAME, { message: 'cookie must be a cookie name' })
  cookie?: string;
}

export class LoadBalancerPolicy {
  /**
   * `LeastRequest`: the less busy of two random endpoints (power of two choices); `PeakEwma`: the
   * cheaper of two by latency × load; `ConsistentHash`: by `consistentHash.header` or `.cookie`.
   */
  @IsIn(LOAD_BALANCER_TYPES)
  type: LoadBalancerType = 'RoundRobin';

  @IsOptional()
  @ValidateNested()
  @Type(() => PeakEwmaSettings)
  peakEwma?: PeakEwmaSettings;

  @ValidateIf(
    (o: LoadBalancerPolicy) => o.type === 'ConsistentHash' || o.consistentHash !== undefined,
  )
  @IsDefined({ message: 'consistentHash is required when type is ConsistentHash' })
  @ExactlyOneOf('header', 'cookie')
  @ValidateNested()
  @Type(() => ConsistentHashSettings)
  consistentHash?: ConsistentHashSettings;

  /**
   * Istio's locality load balancing: priority levels by locality (failover), or weights per
   * locality (`distribute`); the balancer `type` picks within a level or locality.
   */
  @IsOptional()
  @AtMostOneOf('distribute', 'failover', 'failoverPriority')
  @ValidateNested()
  @Type(() => LocalityLbSetting)
  localityLbSetting?: LocalityLbSetting;
}
