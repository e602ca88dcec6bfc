// Weft's `ExternalService` (weft.dev/v1alpha1): a service outside the mesh, reached at static
// addresses, callable by its name like any Service and by the hostnames it lists.
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  Equals,
  IsArray,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { ObjectMeta } from './object-meta.dto.js';
import { WEFT_API_VERSION } from './traffic-policy.dto.js';
import { IsPort } from '../validation/port.validator.js';

const HOSTNAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export class StaticEndpoint {
  /** An IP address or a DNS name. */
  @IsString()
  @MaxLength(253)
  address!: string;

  @IsPort()
  port!: number;
}

export class ExternalServiceSpec {
  /** More names than the resource's own that route here (e.g. `payments.example.com`). */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(16)
  @Matches(HOSTNAME, { each: true, message: 'hosts must be lower-case DNS names' })
  hosts?: string[];

  @IsArray()
  @ArrayMinSize(1, { message: 'endpoints must list at least one address' })
  @ArrayMaxSize(256)
  @ValidateNested({ each: true })
  @Type(() => StaticEndpoint)
  endpoints: StaticEndpoint[] = [];
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
