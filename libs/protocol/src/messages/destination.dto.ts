// What the control plane projects for proxies that follow only what they use: per Service, the
// resources its callers need (`dst.<ns>.<service>`); per extra hostname, the Service it names
// (`alias.<host>`); per instance, the Services whose endpoint sets hold it (`member.<ns>.<id>`).
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsObject,
  IsString,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { PROTOCOL_VERSION } from '../version.js';
import { IsProtocolVersion } from '../validation/protocol-version.validator.js';
import { SUBJECT_TOKEN } from '../subjects.js';
import { DNS_LABEL, DNS_LABEL_MESSAGE, DNS_NAME } from '../validation/names.js';
import { CONFIG_SOURCES, type ConfigSource } from './config-entry.dto.js';
import { ServiceMessage } from './service-message.dto.js';

/** `namespace/service`, as cluster keys name a Service. */
const SERVICE_REF = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** One resource of a bundle under its own KV key; `resource` is validated with `parseResource`. */
export class BundledResource {
  @IsString()
  @MaxLength(512)
  key!: string;

  @IsIn(CONFIG_SOURCES)
  source!: ConfigSource;

  @IsObject()
  resource!: Record<string, unknown>;
}

/**
 * Everything a caller of one Service uses but its endpoints: the Service or ExternalService itself,
 * the HTTPRoutes attached to it (a `parentRef` to it) and the TrafficPolicies targeting it.
 */
export class DestinationBundle extends ServiceMessage {
  @IsArray()
  @ArrayMaxSize(10_000)
  @ValidateNested({ each: true })
  @Type(() => BundledResource)
  resources: BundledResource[] = [];
}

/** An extra hostname of an ExternalService, and the Service it stands for. */
export class ServiceAlias extends ServiceMessage {
  @Matches(DNS_NAME, { message: 'host must be a lower-case DNS name' })
  host!: string;
}

/** The Services (`namespace/service`) whose endpoint sets list one instance. */
export class InstanceMembership {
  @IsProtocolVersion()
  v: number = PROTOCOL_VERSION;

  @Matches(DNS_LABEL, { message: `namespace ${DNS_LABEL_MESSAGE}` })
  namespace!: string;

  @Matches(SUBJECT_TOKEN, { message: 'instanceId must contain only letters, digits, "-" and "_"' })
  instanceId!: string;

  @IsArray()
  @ArrayMaxSize(1_000)
  @Matches(SERVICE_REF, { each: true, message: 'services must list namespace/service names' })
  services: string[] = [];
}
