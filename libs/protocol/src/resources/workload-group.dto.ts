// Weft's `WorkloadGroup` (weft.dev/v1alpha1), after Istio's WorkloadGroup and Linkerd's
// ExternalWorkload: the registration that admits workloads outside any cluster (VMs, edge sites,
// whose proxies set WEFT_SITE) into their Service's endpoint set, with the group's labels and
// locality (docs/multi-cluster.md#workload-registration).
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayUnique,
  Equals,
  IsArray,
  IsDefined,
  IsOptional,
  Matches,
  MaxLength,
  ValidateBy,
  ValidateNested,
} from 'class-validator';
import { IsDnsLabel } from '../validation/dns-label.validator.js';
import { DNS_LABEL, DNS_LABEL_MESSAGE } from '../validation/names.js';
import { IsLabelMap } from '../validation/string-map.validator.js';
import { ObjectMeta } from './object-meta.dto.js';
import { WEFT_API_VERSION } from './traffic-policy.dto.js';

/** Sites one group may list: a registration names where its workloads run, not a fleet inventory. */
export const MAX_WORKLOAD_GROUP_SITES = 64;

/** Where the group's workloads run, given to their endpoints (locality load balancing reads it). */
export class WorkloadLocality {
  @IsOptional()
  @IsDnsLabel('region')
  region?: string;

  @IsOptional()
  @IsDnsLabel('zone')
  zone?: string;
}

export class WorkloadGroupSpec {
  /** The Service its workloads register as (their proxies' WEFT_SERVICE, so their `app` label). */
  @IsDnsLabel('service')
  service!: string;

  /** The identity they run as (their SPIFFE ID's `sa`); default: the service's name. */
  @IsOptional()
  @IsDnsLabel('serviceAccount')
  serviceAccount?: string;

  /** The sites (their proxies' WEFT_SITE) the workloads may run at; absent: any site. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_WORKLOAD_GROUP_SITES)
  @ArrayUnique({ message: 'sites must not repeat a site' })
  @MaxLength(63, { each: true })
  @Matches(DNS_LABEL, { each: true, message: `each of sites ${DNS_LABEL_MESSAGE}` })
  sites?: string[];

  /** Added to each workload's labels (over what its proxy says), so Service selectors see them. */
  @IsOptional()
  @IsLabelMap()
  @ValidateBy({
    name: 'noAppLabel',
    validator: {
      validate: (labels: unknown) =>
        typeof labels !== 'object' || labels === null || !Object.hasOwn(labels, 'app'),
      defaultMessage: () => 'labels must not set app: it is always the service',
    },
  })
  labels?: Record<string, string>;

  /** Replaces the region, the zone or both (those it sets) that the workloads' proxies say. */
  @IsOptional()
  @ValidateNested()
  @Type(() => WorkloadLocality)
  locality?: WorkloadLocality;
}

export class WorkloadGroup {
  @Equals(WEFT_API_VERSION)
  apiVersion!: typeof WEFT_API_VERSION;

  @Equals('WorkloadGroup')
  kind!: 'WorkloadGroup';

  @ValidateNested()
  @Type(() => ObjectMeta)
  metadata!: ObjectMeta;

  @IsDefined()
  @ValidateNested()
  @Type(() => WorkloadGroupSpec)
  spec!: WorkloadGroupSpec;
}
