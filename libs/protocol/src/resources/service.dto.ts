// Kubernetes `v1` Service: a label selector over instances; a port's `appProtocol` may ask for h2c.
import { Type } from 'class-transformer';
import {
  Equals,
  IsIn,
  MaxLength,
  IsOptional,
  IsString,
  Validate,
  ValidateNested,
  ValidatorConstraint,
  type ValidatorConstraintInterface,
} from 'class-validator';
import { IsLabelMap } from '../validation/string-map.validator.js';
import { ObjectMeta } from './object-meta.dto.js';
import { IsPort } from '../validation/port.validator.js';
import { OptionalListOf } from '../validation/list-of.validator.js';
import { TRANSPORT_ANNOTATION, TRANSPORTS } from './traffic-policy.dto.js';

/** The `weft.dev/transport` annotation, when present, names a transport. */
@ValidatorConstraint({ name: 'transportAnnotation' })
class TransportAnnotation implements ValidatorConstraintInterface {
  validate(meta: ObjectMeta | undefined): boolean {
    const value = meta?.annotations?.[TRANSPORT_ANNOTATION];
    return value === undefined || (TRANSPORTS as readonly unknown[]).includes(value);
  }

  defaultMessage(): string {
    return `metadata annotation ${TRANSPORT_ANNOTATION} must be one of ${TRANSPORTS.join(', ')}`;
  }
}

export class ServicePort {
  @IsOptional()
  @IsString()
  name?: string;

  @IsPort()
  port!: number;

  @IsOptional()
  targetPort?: number | string;

  @IsOptional()
  @IsIn(['TCP', 'UDP', 'SCTP'])
  protocol?: string;

  /**
   * The port's application protocol (Kubernetes KEP-3726, Gateway API GEP-1911): one of
   * `H2C_APP_PROTOCOLS` has callers speak HTTP/2 prior knowledge to the Service; others are kept
   * for the record.
   */
  @IsOptional()
  @IsString()
  @MaxLength(253)
  appProtocol?: string;
}

/** `appProtocol` values meaning HTTP/2 without TLS: Gateway API's, and Istio's for gRPC. */
export const H2C_APP_PROTOCOLS: readonly string[] = ['kubernetes.io/h2c', 'grpc'];

export class ServiceSpec {
  /** Instances whose labels include every pair here belong to the Service. */
  @IsOptional()
  @IsLabelMap()
  selector?: Record<string, string>;

  @OptionalListOf(() => ServicePort, 100)
  ports?: ServicePort[];
}

export class Service {
  @Equals('v1')
  apiVersion!: 'v1';

  @Equals('Service')
  kind!: 'Service';

  @ValidateNested()
  @Validate(TransportAnnotation)
  @Type(() => ObjectMeta)
  metadata!: ObjectMeta;

  @ValidateNested()
  @Type(() => ServiceSpec)
  spec: ServiceSpec = new ServiceSpec();
}
