// Gateway API v1 `Gateway` (the subset an edge router serves): HTTP and HTTPS listeners, TLS
// termination with certificates named by `certificateRefs`, and which routes may attach.
import { Type } from 'class-transformer';
import {
  ArrayMinSize,
  Equals,
  IsIn,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { DNS_LABEL, DNS_LABEL_MESSAGE } from '../validation/names.js';
import { ListOf, OptionalListOf } from '../validation/list-of.validator.js';
import { IsPort } from '../validation/port.validator.js';
import { ListenersConsistent, TlsFitsProtocol } from '../validation/gateway-listeners.validator.js';
import { HTTPROUTE_API_VERSION } from './http-route.dto.js';
import { ObjectMeta } from './object-meta.dto.js';

/** Gateway API `Hostname`: a lower-case DNS name, optionally prefixed by one `*.` label; no IPs. */
export const GATEWAY_HOSTNAME =
  /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** A Kubernetes DNS subdomain (Secret and GatewayClass names). */
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * A TLS certificate and key. Outside Kubernetes a `Secret` named `shop-tls` is the folder
 * `$WEFT_CERT_DIR/shop-tls/` holding `tls.crt` and `tls.key`: the layout of a `kubernetes.io/tls`
 * Secret mounted as a volume.
 */
export class SecretObjectReference {
  @IsOptional()
  @IsIn(['', 'core'])
  group?: string;

  @IsOptional()
  @IsIn(['Secret'], { message: 'kind must be Secret (a folder with tls.crt and tls.key)' })
  kind?: 'Secret';

  @IsString()
  @MaxLength(253)
  @Matches(DNS_SUBDOMAIN, { message: 'name must be a lower-case DNS name' })
  name!: string;

  /** Only the Gateway's own (Weft has no ReferenceGrant). */
  @IsOptional()
  @Matches(DNS_LABEL, { message: `namespace ${DNS_LABEL_MESSAGE}` })
  namespace?: string;
}

export class GatewayTLSConfig {
  @IsOptional()
  @IsIn(['Terminate'], {
    message: 'mode must be Terminate (Passthrough needs protocol TLS, which Weft does not serve)',
  })
  mode?: 'Terminate';

  @ListOf(() => SecretObjectReference, 64)
  @ArrayMinSize(1, { message: 'certificateRefs must name at least one certificate' })
  certificateRefs: SecretObjectReference[] = [];
}

export class RouteNamespaces {
  @IsOptional()
  @IsIn(['All', 'Same'], {
    message: 'from must be All or Same (Selector needs Namespace objects, which Weft has none of)',
  })
  from?: 'All' | 'Same';
}

export class RouteGroupKind {
  @IsOptional()
  @IsIn(['gateway.networking.k8s.io'])
  group?: string;

  @IsIn(['HTTPRoute'], { message: 'kind must be HTTPRoute (the only route kind Weft serves)' })
  kind!: 'HTTPRoute';
}

export class AllowedRoutes {
  @IsOptional()
  @ValidateNested()
  @Type(() => RouteNamespaces)
  namespaces?: RouteNamespaces;

  @OptionalListOf(() => RouteGroupKind, 8)
  kinds?: RouteGroupKind[];
}

export class Listener {
  /** Gateway API `SectionName`: what an HTTPRoute's `parentRefs[].sectionName` names. */
  @IsString()
  @Matches(DNS_LABEL, { message: `name ${DNS_LABEL_MESSAGE}` })
  name!: string;

  /** Requests (and, for HTTPS, SNI names) this listener takes; unset takes every host. */
  @IsOptional()
  @MaxLength(253)
  @Matches(GATEWAY_HOSTNAME, {
    message: 'hostname must be a lower-case DNS name, optionally starting with "*." (no IPs)',
  })
  hostname?: string;

  @IsPort()
  port!: number;

  @IsIn(['HTTP', 'HTTPS'], { message: 'protocol must be HTTP or HTTPS' })
  protocol!: 'HTTP' | 'HTTPS';

  /** Required for HTTPS, refused for HTTP (Gateway API's own rules). */
  @ValidateIf((l: Listener) => l.protocol === 'HTTPS' || l.tls !== undefined)
  @TlsFitsProtocol()
  @ValidateNested()
  @Type(() => GatewayTLSConfig)
  tls?: GatewayTLSConfig;

  @IsOptional()
  @ValidateNested()
  @Type(() => AllowedRoutes)
  allowedRoutes?: AllowedRoutes;
}

export class GatewaySpec {
  @IsString()
  @MaxLength(253)
  @Matches(DNS_SUBDOMAIN, { message: 'gatewayClassName must be a lower-case DNS name' })
  gatewayClassName!: string;

  @ListOf(() => Listener, 64)
  @ArrayMinSize(1, { message: 'listeners must list at least one listener' })
  @ListenersConsistent()
  listeners: Listener[] = [];
}

export class Gateway {
  @Equals(HTTPROUTE_API_VERSION)
  apiVersion!: typeof HTTPROUTE_API_VERSION;

  @Equals('Gateway')
  kind!: 'Gateway';

  @ValidateNested()
  @Type(() => ObjectMeta)
  metadata!: ObjectMeta;

  @ValidateNested()
  @Type(() => GatewaySpec)
  spec: GatewaySpec = new GatewaySpec();
}
