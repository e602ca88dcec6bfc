// One entry of a node proxy's workload list (WEFT_WORKLOADS or WEFT_WORKLOADS_FILE), validated at boot.
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { DNS_LABEL, DNS_LABEL_MESSAGE, IsLabelMap, SUBJECT_TOKEN } from '@app/protocol';

export class WorkloadSpec {
  /** Its Service: the instance registers with `app=<service>` plus `labels`. */
  @Matches(DNS_LABEL, { message: `service ${DNS_LABEL_MESSAGE}` })
  service!: string;

  /** Defaults to the proxy's WEFT_NAMESPACE. */
  @IsOptional()
  @Matches(DNS_LABEL, { message: `namespace ${DNS_LABEL_MESSAGE}` })
  namespace?: string;

  /** Its workload identity's service account (the SPIFFE ID's `sa`); defaults to `service`. */
  @IsOptional()
  @Matches(DNS_LABEL, { message: `serviceAccount ${DNS_LABEL_MESSAGE}` })
  serviceAccount?: string;

  /** Its identity in the mesh; defaults to `<service>-<proxy id>`. */
  @IsOptional()
  @Matches(SUBJECT_TOKEN, { message: 'instanceId must be letters, digits, "-" and "_"' })
  @MaxLength(128)
  instanceId?: string;

  @IsOptional()
  @IsLabelMap()
  labels?: Record<string, string>;

  /** The local app's port. */
  @IsInt()
  @Min(1)
  @Max(65535)
  appPort!: number;

  @IsOptional()
  @IsString()
  appAddress?: string;

  /** This workload's inbound listener; 0 (default): a free port, advertised in its heartbeats. */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(65535)
  inboundPort?: number;

  /**
   * Node mode: an outbound listener of this workload's own on 127.0.0.1 (its app's calls into the
   * mesh then present its certificate, not the node proxy's); none by default.
   */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(65535)
  outboundPort?: number;
}
