// TrafficPolicy `loadBalancer.localityLbSetting`: Istio's locality load balancing (failover by
// priority levels, or weights per locality).
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsOptional,
  Matches,
  MaxLength,
  registerDecorator,
  ValidateNested,
} from 'class-validator';
import { LOCALITY_LABELS } from '../locality.js';
import { IsDnsLabel } from '../validation/dns-label.validator.js';

/** `*`, `region`, `region/*` or `region/zone` (Istio's form, without its sub-zone). */
export const LOCALITY_PATTERN =
  /^(\*|[a-z0-9]([-a-z0-9]*[a-z0-9])?(\/(\*|[a-z0-9]([-a-z0-9]*[a-z0-9])?))?)$/;
const LOCALITY_PATTERN_MESSAGE = 'must be *, region, region/* or region/zone (DNS labels)';

/** Requests from callers in `from` go to the localities of `to`, by weight (percent, summing to 100). */
export class LocalityDistribute {
  @MaxLength(127)
  @Matches(LOCALITY_PATTERN, { message: `from ${LOCALITY_PATTERN_MESSAGE}` })
  from!: string;

  @IsLocalityWeights()
  to!: Record<string, number>;
}

/** Callers in region `from` fail over to region `to` before any other region. */
export class LocalityFailover {
  @IsDnsLabel('from')
  from!: string;

  @IsDnsLabel('to')
  to!: string;
}

export class LocalityLbSetting {
  /** `false` turns locality load balancing off for the Service (every endpoint alike). */
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  /**
   * Priority levels by how many of these labels, in order, the endpoint shares with the caller
   * (Istio's `failoverPriority`); without it, by region then zone (Istio's default).
   */
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(3)
  @IsIn(Object.keys(LOCALITY_LABELS), {
    each: true,
    message: `failoverPriority entries must be one of ${Object.keys(LOCALITY_LABELS).join(', ')}`,
  })
  failoverPriority?: string[];

  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(32)
  @ValidateNested({ each: true })
  @Type(() => LocalityDistribute)
  distribute?: LocalityDistribute[];

  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(32)
  @ValidateNested({ each: true })
  @Type(() => LocalityFailover)
  failover?: LocalityFailover[];
}

/** Whether a setting picks priority levels (failover), which need outlier detection to ever leave one. */
export function failsOver(setting: LocalityLbSetting | undefined): boolean {
  return setting !== undefined && setting.enabled !== false && setting.distribute === undefined;
}

/** At most 32 localities, each a locality pattern with a weight from 1 to 100; weights sum to 100. */
function IsLocalityWeights(): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name: 'isLocalityWeights',
      target: target.constructor,
      propertyName: String(propertyName),
      options: {
        message: `$property must map up to 32 localities (${LOCALITY_PATTERN_MESSAGE}) to weights from 1 to 100 that sum to 100`,
      },
      validator: {
        validate(value: unknown): boolean {
          if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
          const entries = Object.entries(value as Record<string, unknown>);
          if (entries.length === 0 || entries.length > 32) return false;
          let sum = 0;
          for (const [locality, weight] of entries) {
            if (locality.length > 127 || !LOCALITY_PATTERN.test(locality)) return false;
            if (!Number.isInteger(weight) || (weight as number) < 1 || (weight as number) > 100)
              return false;
            sum += weight as number;
          }
          return sum === 100;
        },
      },
    });
  };
}

/**
 * On a TrafficPolicy's `loadBalancer`: failover needs the spec's `outlierDetection`, as in Istio
 * (which warns and then ignores it): without it an endpoint that answers errors never counts as
 * unhealthy, so its level would keep all the traffic. Weft refuses rather than ignore.
 */
export function FailoverNeedsOutlierDetection(): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name: 'failoverNeedsOutlierDetection',
      target: target.constructor,
      propertyName: String(propertyName),
      options: {
        message:
          '$property: localityLbSetting fails over between localities, which needs spec.outlierDetection to see an endpoint fail (set it, or use distribute, or enabled: false)',
      },
      validator: {
        validate(value: unknown, args): boolean {
          const setting = (value as { localityLbSetting?: LocalityLbSetting } | undefined)
            ?.localityLbSetting;
          if (!failsOver(setting)) return true;
          return (args?.object as { outlierDetection?: unknown }).outlierDetection !== undefined;
        },
      },
    });
  };
}
