// Gateway API v1 `HTTPRoute` (the subset the data plane implements), attached to Services as in GAMMA.
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  Equals,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { DNS_LABEL, DNS_LABEL_MESSAGE, GATEWAY_DURATION } from '../validation/names.js';
import { HEADER_NAME, HEADER_NAME_MESSAGE } from '../validation/http-syntax.js';
import { IsRegExpWhenTyped } from '../validation/regexp.validator.js';
import { FiltersFitRule } from '../validation/rule-filters.validator.js';
import { HTTPBackendRefFilter, HTTPRouteFilter } from './http-route-filter.dto.js';
import { ObjectMeta } from './object-meta.dto.js';
import { IsPort } from '../validation/port.validator.js';
import { ListOf, OptionalListOf } from '../validation/list-of.validator.js';

export const HTTPROUTE_API_VERSION = 'gateway.networking.k8s.io/v1';

export class ParentReference {
  @IsOptional()
  @IsIn(['', 'core', 'gateway.networking.k8s.io'])
  group?: string;

  /** `Service` for mesh (GAMMA) routes; `Gateway` for edge routes. Gateway API's default is Gateway. */
  @IsOptional()
  @IsIn(['Service', 'Gateway'])
  kind?: 'Service' | 'Gateway';

  @IsString()
  @Matches(DNS_LABEL, { message: `name ${DNS_LABEL_MESSAGE}` })
  name!: string;

  @IsOptional()
  @Matches(DNS_LABEL, { message: `namespace ${DNS_LABEL_MESSAGE}` })
  namespace?: string;

  @IsOptional()
  @IsPort()
  port?: number;

  /** A Gateway listener's name: the route attaches to that listener only. */
  @IsOptional()
  @Matches(DNS_LABEL, { message: `sectionName ${DNS_LABEL_MESSAGE}` })
  sectionName?: string;
}

export class HTTPPathMatch {
  @IsOptional()
  @IsIn(['Exact', 'PathPrefix', 'RegularExpression'])
  type: 'Exact' | 'PathPrefix' | 'RegularExpression' = 'PathPrefix';

  @IsString()
  @MaxLength(1024)
  @Matches(/^\//, { message: 'value must start with "/"' })
  @IsRegExpWhenTyped()
  value: string = '/';
}

export class HTTPHeaderMatch {
  @IsOptional()
  @IsIn(['Exact', 'RegularExpression'])
  type: 'Exact' | 'RegularExpression' = 'Exact';

  @IsString()
  @Matches(HEADER_NAME, { message: `name ${HEADER_NAME_MESSAGE}` })
  name!: string;

  @IsString()
  @MaxLength(4096)
  @IsRegExpWhenTyped()
  value!: string;
}

/** Query parameter names are case-sensitive (Gateway API). */
export class HTTPQueryParamMatch {
  @IsOptional()
  @IsIn(['Exact', 'RegularExpression'])
  type: 'Exact' | 'RegularExpression' = 'Exact';

  @IsString()
  @MinLength(1)
  @MaxLength(256)
  name!: string;

  @IsString()
  @MaxLength(1024)
  @IsRegExpWhenTyped()
  value!: string;
}

export class HTTPRouteMatch {
  @IsOptional()
  @ValidateNested()
  @Type(() => HTTPPathMatch)
  path?: HTTPPathMatch;

  @OptionalListOf(() => HTTPHeaderMatch, 16)
  headers?: HTTPHeaderMatch[];

  @OptionalListOf(() => HTTPQueryParamMatch, 16)
  queryParams?: HTTPQueryParamMatch[];

  @IsOptional()
  @IsIn(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH'])
  method?: string;
}

export class HTTPBackendRef {
  @IsOptional()
  @IsIn(['', 'core'])
  group?: string;

  @IsOptional()
  @IsIn(['Service'])
  kind?: 'Service';

  @IsString()
  @MinLength(1, { message: 'name must not be empty' })
  @Matches(DNS_LABEL, { message: `name ${DNS_LABEL_MESSAGE}` })
  name!: string;

  @IsOptional()
  @Matches(DNS_LABEL, { message: `namespace ${DNS_LABEL_MESSAGE}` })
  namespace?: string;

  @IsOptional()
  @IsPort()
  port?: number;

  /** Proportion of traffic, relative to the rule's other backends (Gateway API: 0 to 1,000,000, default 1). */
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  weight: number = 1;

  /**
   * Filters applied only to requests sent to this backend, after the rule's (Gateway API): the
   * header modifiers.
   */
  @OptionalListOf(() => HTTPBackendRefFilter, 8)
  filters?: HTTPBackendRefFilter[];
}

export class HTTPRouteTimeouts {
  @IsOptional()
  @Matches(GATEWAY_DURATION, {
    message: 'request must be a Gateway API duration such as 10s or 500ms',
  })
  request?: string;

  @IsOptional()
  @Matches(GATEWAY_DURATION, {
    message: 'backendRequest must be a Gateway API duration such as 10s or 500ms',
  })
  backendRequest?: string;
}

/**
 * Gateway API HTTPRoute retry (GEP-1731, Standard since v1.7): retry a backend request that
 * answered one of `codes`, at most `attempts` more times, waiting at least `backoff` between.
 */
export class HTTPRouteRetry {
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(32)
  @IsInt({ each: true })
  @Min(400, { each: true, message: 'codes must be HTTP status codes from 400 to 599' })
  @Max(599, { each: true, message: 'codes must be HTTP status codes from 400 to 599' })
  codes?: number[];

  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(10)
  attempts?: number;

  @IsOptional()
  @Matches(GATEWAY_DURATION, { message: 'backoff must be a Gateway API duration such as 100ms' })
  backoff?: string;
}

export class HTTPRouteRule {
  @OptionalListOf(() => HTTPRouteMatch, 64)
  matches?: HTTPRouteMatch[];

  @OptionalListOf(() => HTTPBackendRef, 16)
  backendRefs?: HTTPBackendRef[];

  @OptionalListOf(() => HTTPRouteFilter, 16)
  @FiltersFitRule()
  filters?: HTTPRouteFilter[];

  @IsOptional()
  @ValidateNested()
  @Type(() => HTTPRouteTimeouts)
  timeouts?: HTTPRouteTimeouts;

  @IsOptional()
  @ValidateNested()
  @Type(() => HTTPRouteRetry)
  retry?: HTTPRouteRetry;
}

export class HTTPRouteSpec {
  @ListOf(() => ParentReference, 32)
  parentRefs: ParentReference[] = [];

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(16)
  @IsString({ each: true })
  hostnames?: string[];

  @ListOf(() => HTTPRouteRule, 64)
  rules: HTTPRouteRule[] = [];
}

export class HTTPRoute {
  @Equals(HTTPROUTE_API_VERSION)
  apiVersion!: typeof HTTPROUTE_API_VERSION;

  @Equals('HTTPRoute')
  kind!: 'HTTPRoute';

  @ValidateNested()
  @Type(() => ObjectMeta)
  metadata!: ObjectMeta;

  @ValidateNested()
  @Type(() => HTTPRouteSpec)
  spec: HTTPRouteSpec = new HTTPRouteSpec();
}
