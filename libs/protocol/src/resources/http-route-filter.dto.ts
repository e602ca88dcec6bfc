// Gateway API v1 HTTPRoute filters: header modifiers, URL rewrite, redirect, mirror.
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsDefined,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { DNS_LABEL, DNS_LABEL_MESSAGE } from '../validation/names.js';
import {
  HEADER_NAME,
  HEADER_NAME_MESSAGE,
  HEADER_VALUE,
  HEADER_VALUE_MESSAGE,
  REQUEST_PATH,
  REQUEST_PATH_MESSAGE,
} from '../validation/http-syntax.js';
import { AtMostDenominator, NotWith } from '../validation/fraction.validator.js';
import { IsPort } from '../validation/port.validator.js';
import { OptionalListOf } from '../validation/list-of.validator.js';

const HOSTNAME = /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export class HTTPHeader {
  @Matches(HEADER_NAME, { message: `name ${HEADER_NAME_MESSAGE}` })
  name!: string;

  @IsString()
  @MaxLength(4096)
  @Matches(HEADER_VALUE, { message: `value ${HEADER_VALUE_MESSAGE}` })
  value!: string;
}

/** `set` replaces, `add` appends, `remove` deletes (names case-insensitive). */
export class HTTPHeaderFilter {
  @OptionalListOf(() => HTTPHeader, 16)
  set?: HTTPHeader[];

  @OptionalListOf(() => HTTPHeader, 16)
  add?: HTTPHeader[];

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(16)
  @Matches(HEADER_NAME, {
    each: true,
    message: `remove must list names that each ${HEADER_NAME_MESSAGE}`,
  })
  remove?: string[];
}

export class HTTPPathModifier {
  @IsIn(['ReplaceFullPath', 'ReplacePrefixMatch'])
  type!: 'ReplaceFullPath' | 'ReplacePrefixMatch';

  @ValidateIf((m: HTTPPathModifier) => m.type === 'ReplaceFullPath')
  @MaxLength(1024)
  @Matches(REQUEST_PATH, { message: `replaceFullPath ${REQUEST_PATH_MESSAGE}` })
  replaceFullPath?: string;

  @ValidateIf((m: HTTPPathModifier) => m.type === 'ReplacePrefixMatch')
  @MaxLength(1024)
  @Matches(REQUEST_PATH, { message: `replacePrefixMatch ${REQUEST_PATH_MESSAGE}` })
  replacePrefixMatch?: string;
}

export class HTTPURLRewriteFilter {
  @IsOptional()
  @Matches(HOSTNAME, { message: 'hostname must be a DNS name' })
  hostname?: string;

  @IsOptional()
  @ValidateNested()
  @Type(() => HTTPPathModifier)
  path?: HTTPPathModifier;
}

export class HTTPRequestRedirectFilter {
  @IsOptional()
  @IsIn(['http', 'https'])
  scheme?: 'http' | 'https';

  @IsOptional()
  @Matches(HOSTNAME, { message: 'hostname must be a DNS name' })
  hostname?: string;

  @IsOptional()
  @ValidateNested()
  @Type(() => HTTPPathModifier)
  path?: HTTPPathModifier;

  @IsOptional()
  @IsPort()
  port?: number;

  /** Gateway API allows 301 and 302 (default 302); 303, 307 and 308 are extended support. */
  @IsOptional()
  @IsIn([301, 302, 303, 307, 308])
  statusCode?: 301 | 302 | 303 | 307 | 308;
}

export class MirrorBackendRef {
  @Matches(DNS_LABEL, { message: `name ${DNS_LABEL_MESSAGE}` })
  name!: string;

  @IsOptional()
  @Matches(DNS_LABEL, { message: `namespace ${DNS_LABEL_MESSAGE}` })
  namespace?: string;

  @IsOptional()
  @IsPort()
  port?: number;
}

/** Gateway API's `Fraction`: `numerator` out of `denominator` (default 100). */
export class Fraction {
  @IsInt()
  @Min(0)
  @AtMostDenominator()
  numerator!: number;

  @IsOptional()
  @IsInt()
  @Min(1)
  denominator?: number;
}

export class HTTPRequestMirrorFilter {
  @ValidateNested()
  @Type(() => MirrorBackendRef)
  backendRef!: MirrorBackendRef;

  /** Share of requests mirrored, 0–100 (default 100); or `fraction`, not both. */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(100)
  percent?: number;

  /** Share of requests mirrored as a fraction (Gateway API v1.2); or `percent`, not both. */
  @IsOptional()
  @NotWith('percent')
  @ValidateNested()
  @Type(() => Fraction)
  fraction?: Fraction;
}

const FILTER_TYPES = [
  'RequestHeaderModifier',
  'ResponseHeaderModifier',
  'URLRewrite',
  'RequestRedirect',
  'RequestMirror',
] as const;

/** `type` names the one field that must be set (Gateway API's union discriminator). */
export class HTTPRouteFilter {
  @IsIn(FILTER_TYPES, { message: `type must be one of ${FILTER_TYPES.join(', ')}` })
  type!: (typeof FILTER_TYPES)[number];

  @ValidateIf((f: HTTPRouteFilter) => f.type === 'RequestHeaderModifier')
  @IsDefined()
  @ValidateNested()
  @Type(() => HTTPHeaderFilter)
  requestHeaderModifier?: HTTPHeaderFilter;

  @ValidateIf((f: HTTPRouteFilter) => f.type === 'ResponseHeaderModifier')
  @IsDefined()
  @ValidateNested()
  @Type(() => HTTPHeaderFilter)
  responseHeaderModifier?: HTTPHeaderFilter;

  @ValidateIf((f: HTTPRouteFilter) => f.type === 'URLRewrite')
  @IsDefined()
  @ValidateNested()
  @Type(() => HTTPURLRewriteFilter)
  urlRewrite?: HTTPURLRewriteFilter;

  @ValidateIf((f: HTTPRouteFilter) => f.type === 'RequestRedirect')
  @IsDefined()
  @ValidateNested()
  @Type(() => HTTPRequestRedirectFilter)
  requestRedirect?: HTTPRequestRedirectFilter;

  @ValidateIf((f: HTTPRouteFilter) => f.type === 'RequestMirror')
  @IsDefined()
  @ValidateNested()
  @Type(() => HTTPRequestMirrorFilter)
  requestMirror?: HTTPRequestMirrorFilter;
}

const BACKEND_FILTER_TYPES = ['RequestHeaderModifier', 'ResponseHeaderModifier'] as const;

/**
 * A backendRef's filter, applied only to requests sent to that backend: the header modifiers
 * (Gateway API allows more there, as implementation-specific; set the others on the rule).
 */
export class HTTPBackendRefFilter {
  @IsIn(BACKEND_FILTER_TYPES, {
    message: `type must be one of ${BACKEND_FILTER_TYPES.join(', ')} on a backendRef (set other filters on the rule)`,
  })
  type!: (typeof BACKEND_FILTER_TYPES)[number];

  @ValidateIf((f: HTTPBackendRefFilter) => f.type === 'RequestHeaderModifier')
  @IsDefined()
  @ValidateNested()
  @Type(() => HTTPHeaderFilter)
  requestHeaderModifier?: HTTPHeaderFilter;

  @ValidateIf((f: HTTPBackendRefFilter) => f.type === 'ResponseHeaderModifier')
  @IsDefined()
  @ValidateNested()
  @Type(() => HTTPHeaderFilter)
  responseHeaderModifier?: HTTPHeaderFilter;
}
