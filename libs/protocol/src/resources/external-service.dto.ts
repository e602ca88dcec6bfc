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
import { ClientTLSSettings } from './client-tls-settings.dto.js';
import { ObjectMeta } from './object-meta.dto.js';
import { WEFT_API_VERSION } from './traffic-policy.dto.js';
import { DNS_NAME } from '../validation/names.js';
import { IsPort } from '../validation/port.validator.js';

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
