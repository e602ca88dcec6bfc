// Weft's `ExternalService` (weft.dev/v1alpha1): a service outside the mesh, reached at static
// addresses, callable by its name like any Service and by the hostnames it lists, optionally only
// through an egress gateway (the routers of a Gateway).
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  Equals,
  IsArray,
  IsDefined,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { ClientTLSSettings } from './client-tls-settings.dto.js';
import { ObjectMeta } from './object-meta.dto.js';
import { WEFT_API_VERSION } from './traffic-policy.dto.js';
import { DNS_LABEL, DNS_LABEL_MESSAGE, DNS_NAME } from '../validation/names.js';
import { IsPort } from '../validation/port.validator.js';
import { serviceKey } from '../service-key.js';

export class StaticEndpoint {
  /** An IP address or a DNS name. */
  @IsString()
  @MaxLength(253)
  address!: string;

  @IsPort()
  port!: number;
}

/** The Gateway whose routers are the egress gateway (Istio ambient's `use-waypoint`). */
export class EgressGatewayRef {
  @Matches(DNS_LABEL, { message: `name ${DNS_LABEL_MESSAGE}` })
  name!: string;

  /** Default: the ExternalService's own namespace. */
  @IsOptional()
  @Matches(DNS_LABEL, { message: `namespace ${DNS_LABEL_MESSAGE}` })
  namespace?: string;
}

/** Traffic to the service leaves the mesh only through an egress gateway. */
export class ExternalServiceEgress {
  @IsDefined({ message: 'is required: the Gateway whose routers the traffic leaves through' })
  @ValidateNested()
  @Type(() => EgressGatewayRef)
  gatewayRef!: EgressGatewayRef;
}

export class ExternalServiceSpec {
  /** More names than the resource's own that route here (e.g. `payments.example.com`). */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(16)
  @Matches(DNS_NAME, { each: true, message: 'hosts must be lower-case DNS names' })
  hosts?: string[];

  @IsArray()
  @ArrayMinSize(1, { message: 'endpoints must list at least one address' })
  @ArrayMaxSize(256)
  @ValidateNested({ each: true })
  @Type(() => StaticEndpoint)
  endpoints: StaticEndpoint[] = [];

  /** Originate TLS to the endpoints (HTTP/2 or HTTP/1.1 as ALPN picks); plain HTTP when absent. */
  @IsOptional()
  @ValidateNested()
  @Type(() => ClientTLSSettings)
  tls?: ClientTLSSettings;

  /**
   * Only the routers of this Gateway (router mode, `WEFT_GATEWAY` its name) dial the endpoints:
   * every other proxy sends the service's requests to them over the bus, whatever transport a
   * TrafficPolicy names, and they enforce AuthorizationPolicy on the caller's identity.
   */
  @IsOptional()
  @ValidateNested()
  @Type(() => ExternalServiceEgress)
  egress?: ExternalServiceEgress;
}

export class ExternalService {
  @Equals(WEFT_API_VERSION)
  apiVersion!: typeof WEFT_API_VERSION;

  @Equals('ExternalService')
  kind!: 'ExternalService';

  @ValidateNested()
  @Type(() => ObjectMeta)
  metadata!: ObjectMeta;

  @ValidateNested()
  @Type(() => ExternalServiceSpec)
  spec: ExternalServiceSpec = new ExternalServiceSpec();
}

/** `namespace/name` of the Gateway an ExternalService's traffic must leave through, if any. */
export function egressGatewayOf(ext: ExternalService): string | undefined {
  const ref = ext.spec.egress?.gatewayRef;
  return ref && serviceKey(ref.namespace ?? ext.metadata.namespace, ref.name);
}
