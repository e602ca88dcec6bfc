// Weft's `TrafficPolicy` (weft.dev/v1alpha1): how callers treat a Service: load balancing, limits,
// outlier detection, retry budget, gRPC retry, local rate limit, fault injection; via `targetRefs`.
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  Equals,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { DNS_LABEL, DNS_LABEL_MESSAGE, GATEWAY_DURATION } from '../validation/names.js';
import { ConnectionPoolPolicy } from './connection-pool-policy.dto.js';
import { LoadBalancerPolicy } from './load-balancer-policy.dto.js';
import { FailoverNeedsOutlierDetection } from './locality-lb-setting.dto.js';
import { LocalRateLimitPolicy } from './local-rate-limit-policy.dto.js';
import { ObjectMeta } from './object-meta.dto.js';
import { RetryBudgetPolicy } from './retry-budget-policy.dto.js';
import { GrpcRetryPolicy } from './grpc-retry-policy.dto.js';
import { ExactlyOneOf } from '../validation/exactly-one-of.validator.js';
import { DurationAtLeast, DurationWithin } from '../validation/duration.js';

export const WEFT_API_VERSION = 'weft.dev/v1alpha1';

/** How callers carry requests to a Service: direct HTTP, or HTTP over NATS request/reply. */
export const TRANSPORTS = ['http', 'bus'] as const;
export type Transport = (typeof TRANSPORTS)[number];

/** Service annotation choosing the transport when no TrafficPolicy sets one. */
export const TRANSPORT_ANNOTATION = 'weft.dev/transport';

const DURATION_MESSAGE = 'must be a duration such as 10s or 500ms';

export class PolicyTargetReference {
  @IsOptional()
  @IsIn(['', 'core'])
  group?: string;

  @IsIn(['Service'], { message: 'kind must be Service' })
  kind = 'Service' as const;

  @Matches(DNS_LABEL, { message: `name ${DNS_LABEL_MESSAGE}` })
  name!: string;
}

/** Envoy outlier detection: eject an endpoint after consecutive errors, for longer each time. */
export class OutlierDetectionPolicy {
  /** Consecutive 5xx answers (gateway errors included) that eject; 0 turns it off. */
  @IsInt()
  @Min(0)
  @Max(1000)
  consecutive5xx: number = 5;

  /** Consecutive 502/503/504 or connection failures that eject; 0 turns it off. */
  @IsInt()
  @Min(0)
  @Max(1000)
  consecutiveGatewayErrors: number = 0;

  /**
   * Ejection lasts baseEjectionTime × the endpoint's ejection multiplier, which each ejection raises
   * by one and each `interval` the endpoint spends un-ejected lowers by one (Envoy).
   */
  @Matches(GATEWAY_DURATION, { message: `baseEjectionTime ${DURATION_MESSAGE}` })
  baseEjectionTime: string = '30s';

  /** How often a healthy endpoint's ejection multiplier comes down by one (Envoy's, Istio's). */
  @DurationWithin(1, 3_600_000, '10s')
  interval: string = '10s';

  /** No ejection lasts longer (Envoy's `max_ejection_time`; default 300s, or baseEjectionTime if longer). */
  @IsOptional()
  @DurationWithin(1, 86_400_000, '300s')
  @DurationAtLeast('baseEjectionTime')
  maxEjectionTime?: string;

  /** At most this share of a Service's endpoints is ejected at once (one always may be). */
  @IsInt()
  @Min(0)
  @Max(100)
  maxEjectionPercent: number = 10;
}

/** Istio's `Percent`: a share of requests, 0–100, fractions allowed (`0.1` is one in a thousand). */
export class Percent {
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(100)
  value!: number;
}

/**
 * The share of requests a fault hits: `percentage: {value}` as Istio's, or Istio's older integer
 * `percent`; exactly one of them (Istio injects nothing when both are missing: here that is an error).
 */
abstract class FaultShare {
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(100)
  percent?: number;

  @IsOptional()
  @ValidateNested()
  @Type(() => Percent)
  percentage?: Percent;
}

export class FaultDelay extends FaultShare {
  @Matches(GATEWAY_DURATION, { message: `fixedDelay ${DURATION_MESSAGE}` })
  fixedDelay!: string;
}

export class FaultAbort extends FaultShare {
  @IsInt()
  @Min(200)
  @Max(599)
  httpStatus!: number;
}

/** Istio-style fault injection, for chaos testing: delay and/or abort a share of requests. */
export class FaultInjectionPolicy {
  @IsOptional()
  @ExactlyOneOf('percent', 'percentage')
  @ValidateNested()
  @Type(() => FaultDelay)
  delay?: FaultDelay;

  @IsOptional()
  @ExactlyOneOf('percent', 'percentage')
  @ValidateNested()
  @Type(() => FaultAbort)
  abort?: FaultAbort;
}

export class TrafficPolicySpec {
  @IsArray()
  @ArrayMinSize(1, { message: 'targetRefs must name at least one Service' })
  @ArrayMaxSize(16)
  @ValidateNested({ each: true })
  @Type(() => PolicyTargetReference)
  targetRefs: PolicyTargetReference[] = [];

  /** `bus`: requests travel as NATS request/reply on the Service's rpc subject. */
  @IsOptional()
  @IsIn(TRANSPORTS, { message: `transport must be one of ${TRANSPORTS.join(', ')}` })
  transport?: Transport;

  @IsOptional()
  @FailoverNeedsOutlierDetection()
  @ValidateNested()
  @Type(() => LoadBalancerPolicy)
  loadBalancer?: LoadBalancerPolicy;

  @IsOptional()
  @ValidateNested()
  @Type(() => OutlierDetectionPolicy)
  outlierDetection?: OutlierDetectionPolicy;

  @IsOptional()
  @ValidateNested()
  @Type(() => FaultInjectionPolicy)
  faultInjection?: FaultInjectionPolicy;

  @IsOptional()
  @ValidateNested()
  @Type(() => ConnectionPoolPolicy)
  connectionPool?: ConnectionPoolPolicy;

  @IsOptional()
  @ValidateNested()
  @Type(() => RetryBudgetPolicy)
  retryBudget?: RetryBudgetPolicy;

  @IsOptional()
  @ValidateNested()
  @Type(() => GrpcRetryPolicy)
  grpcRetry?: GrpcRetryPolicy;

  /** Retry bodiless POST/PATCH too (a route's `retry` otherwise only resends idempotent methods). */
  @IsOptional()
  @IsBoolean()
  retryNonIdempotent?: boolean;

  @IsOptional()
  @ValidateNested()
  @Type(() => LocalRateLimitPolicy)
  localRateLimit?: LocalRateLimitPolicy;
}

export class TrafficPolicy {
  @Equals(WEFT_API_VERSION)
  apiVersion!: typeof WEFT_API_VERSION;

  @Equals('TrafficPolicy')
  kind!: 'TrafficPolicy';

  @ValidateNested()
  @Type(() => ObjectMeta)
  metadata!: ObjectMeta;

  @ValidateNested()
  @Type(() => TrafficPolicySpec)
  spec: TrafficPolicySpec = new TrafficPolicySpec();
}
