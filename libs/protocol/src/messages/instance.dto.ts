// Identity of one mesh instance: where its proxy listens and which labels it carries.
import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { IsLabelMap } from '../validation/string-map.validator.js';
import { DNS_LABEL, DNS_LABEL_MESSAGE } from '../validation/names.js';
import { SUBJECT_TOKEN } from '../subjects.js';
import { IsPort } from '../validation/port.validator.js';
import { IsDnsLabel } from '../validation/dns-label.validator.js';

export class InstanceAddress {
  @Matches(SUBJECT_TOKEN, { message: 'instanceId must contain only letters, digits, "-" and "_"' })
  @MaxLength(128)
  instanceId!: string;

  @IsString()
  @MaxLength(253)
  address!: string;

  @IsPort()
  port!: number;

  @IsLabelMap()
  labels: Record<string, string> = {};
}

export class InstanceOwner extends InstanceAddress {
  @Matches(DNS_LABEL, { message: `namespace ${DNS_LABEL_MESSAGE}` })
  namespace!: string;

  @Matches(DNS_LABEL, { message: `service ${DNS_LABEL_MESSAGE}` })
  service!: string;

  /**
   * Who the instance runs as (its SPIFFE ID's `sa`), taken from its permission-bound health
   * subject: callers check a peer's certificate against the service accounts of the endpoints.
   */
  @Matches(DNS_LABEL, { message: `serviceAccount ${DNS_LABEL_MESSAGE}` })
  serviceAccount!: string;

  /**
   * Where the instance runs (its proxy's WEFT_CLUSTER, WEFT_REGION, WEFT_ZONE): callers with a
   * locality-aware TrafficPolicy prefer instances near them. Absent from older proxies' messages.
   */
  @IsOptional()
  @IsDnsLabel('cluster')
  cluster?: string;

  @IsOptional()
  @IsDnsLabel('region')
  region?: string;

  @IsOptional()
  @IsDnsLabel('zone')
  zone?: string;

  /**
   * The site outside any cluster it runs at (its proxy's WEFT_SITE): the control plane admits it
   * only when a WorkloadGroup covers it (docs/multi-cluster.md#workload-registration).
   */
  @IsOptional()
  @IsDnsLabel('site')
  site?: string;
}
